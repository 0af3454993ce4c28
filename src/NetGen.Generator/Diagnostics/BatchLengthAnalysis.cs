using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace NetGen.Generator.Diagnostics;

/// <summary>
/// NG0013: a call to a network's Predict, TrainStep, Evaluate, InputGradients, Jvp or LossJvp with an input whose
/// length is a constant that is not a multiple of the network's InputSize, such as <c>net.Predict(new float[100], outputs)</c>.
/// </summary>
internal static class BatchLengthAnalysis
{
    /// <param name="start">The compilation's start.</param>
    /// <param name="networkAttribute"><c>NetGen.NetworkAttribute</c>, resolved once per compilation.</param>
    public static void Register(CompilationStartAnalysisContext start, INamedTypeSymbol networkAttribute)
    {
        start.RegisterOperationAction(context => Analyze(context, networkAttribute), OperationKind.Invocation);
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol networkAttribute)
    {
        var invocation = (IInvocationOperation)context.Operation;
        IMethodSymbol method = invocation.TargetMethod;
        if (method.Name is not ("Predict" or "TrainStep" or "Evaluate" or "InputGradients" or "Jvp" or "LossJvp") || invocation.Arguments.Length == 0)
        {
            return;
        }

        INamedTypeSymbol type = method.ContainingType;
        if (!IsNetwork(type, networkAttribute) || FindInputSize(type) is not int inputSize || inputSize <= 0)
        {
            return;
        }

        // By parameter, not position: Arguments are in evaluation order, so 'outputs: o, inputs: x' puts inputs second.
        IArgumentOperation? first = null;
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter?.Name == "inputs")
            {
                first = argument;
                break;
            }
        }

        if (first is null || ConstantLength(first.Value) is not int length)
        {
            return;
        }

        if (length == 0 || length % inputSize != 0)
        {
            string message = length == 0
                ? System.FormattableString.Invariant($"{type.Name}.{method.Name} receives an empty input: expected batch × {inputSize} values (InputSize = {inputSize}), batch ≥ 1.")
                : System.FormattableString.Invariant($"{type.Name}.{method.Name} receives {length} input values, which is not a whole number of samples: expected a multiple of InputSize = {inputSize} (e.g. {inputSize} for one sample, {inputSize * 2} for two).");
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.BatchLength, first.Syntax.GetLocation(), message));
        }
    }

    private static bool IsNetwork(INamedTypeSymbol type, INamedTypeSymbol networkAttribute)
    {
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, networkAttribute))
            {
                return true;
            }
        }

        return false;
    }

    private static int? FindInputSize(INamedTypeSymbol type)
    {
        foreach (ISymbol member in type.GetMembers("InputSize"))
        {
            if (member is IFieldSymbol { IsConst: true, ConstantValue: int size })
            {
                return size;
            }
        }

        return null;
    }

    /// <summary>The length of <c>new T[n]</c>, <c>new T[] { … }</c> or a collection expression, through conversions.</summary>
    private static int? ConstantLength(IOperation? value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        switch (value)
        {
            case IArrayCreationOperation array when array.DimensionSizes.Length == 1:
                if (array.Initializer is { } initializer)
                {
                    return initializer.ElementValues.Length;
                }

                return array.DimensionSizes[0].ConstantValue is { HasValue: true, Value: int size } ? size : null;
            default:
                // Collection expressions ([1f, 2f, 3f]) have no operation kind in Roslyn 4.8: count their elements.
                if (value?.Syntax is Microsoft.CodeAnalysis.CSharp.Syntax.CollectionExpressionSyntax collection)
                {
                    foreach (var element in collection.Elements)
                    {
                        if (element is not Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionElementSyntax)
                        {
                            return null; // a spread: length unknown
                        }
                    }

                    return collection.Elements.Count;
                }

                return null;
        }
    }
}

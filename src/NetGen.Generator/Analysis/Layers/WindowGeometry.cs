using System;
using System.Globalization;
using NetGen.Generator.Model;

namespace NetGen.Generator.Analysis.Layers;

/// <summary>
/// The output shape of a sliding window (convolution or pooling): NG0008 for a wrong rank, NG0002 for a window larger
/// than the padded input or a stride that does not divide it, NG0011 for an extent no array holds.
/// </summary>
internal static class WindowGeometry
{
    // twoD: channels × height × width, else channels × length. channels: the output's first dimension (the filters, or
    // the input's channels for pooling). pooling: the diagnostics name size instead of kernel.
    public static Shape? Output(LayerSpec layer, Shape input, bool twoD, bool pooling, int kernel, int stride, int padding, int channels, RuleContext context)
    {
        int rank = twoD ? 3 : 2;
        string who = LayerNames.Describe(layer);
        string trail = context.Trail;
        if (input.Rank != rank)
        {
            string expected = twoD ? "channels × height × width, e.g. [Input(1, 28, 28)]" : "channels × length, e.g. [Input(1, 100)]";
            context.Error(DiagnosticId.NG0008, layer, null, $"{who} needs a {rank}-D input ({expected}) but receives [{input.Text}]. {trail}");
            return null;
        }

        var output = new int[rank];
        output[0] = channels;
        string[] axes = twoD ? new[] { "height", "width" } : new[] { "length" };
        for (int axis = 1; axis < rank; axis++)
        {
            // In long: a huge padding must not wrap around to a small or negative extent.
            long padded = input[axis] + (2L * padding);
            long extent = padded - kernel;
            string arithmetic = FormattableString.Invariant($"({input[axis]} + 2·{padding} − {kernel})/{stride} + 1");
            if (extent < 0)
            {
                context.Error(DiagnosticId.NG0002, layer, pooling ? "size" : "kernel", $"{who} gives a non-positive output {axes[axis - 1]}: {arithmetic} = {Exact(extent, stride)} (the window of {kernel} is larger than the padded input of {padded}). {trail}");
                return null;
            }

            if (extent % stride != 0)
            {
                context.Error(DiagnosticId.NG0002, layer, "Stride", $"{who} gives a non-integral output {axes[axis - 1]}: {arithmetic} = {Exact(extent, stride)}; choose a stride that divides {extent}, or change the padding. {trail}");
                return null;
            }

            long extentOut = (extent / stride) + 1;
            if (extentOut > ShapeInference.MaxArrayLength)
            {
                context.Error(DiagnosticId.NG0011, layer, pooling ? null : "Padding", $"{who} gives an output {axes[axis - 1]} of {Messages.Count(extentOut)}: {arithmetic}, more than one array can hold ({Messages.Count(ShapeInference.MaxArrayLength)}). {trail}");
                return null;
            }

            output[axis] = (int)extentOut;
        }

        return new Shape(output);
    }

    /// <summary>NG0007 for the options every convolution has.</summary>
    public static void CheckConvolution(OptionCheck check, int filters, int kernel, int stride, int padding, InitKind init)
    {
        if (filters <= 0) check.Invalid("filters", $"filters = {filters}, but a convolution needs at least 1 filter.", true);
        if (kernel <= 0) check.Invalid("kernel", $"kernel = {kernel} must be at least 1.", true);
        if (stride <= 0) check.Invalid("Stride", $"Stride = {stride} must be at least 1.", true);
        if (padding < 0) check.Invalid("Padding", $"Padding = {padding} must be ≥ 0.", true);
        check.Init(init);
    }

    /// <summary>NG0007 for the options every pooling has.</summary>
    public static void CheckPooling(OptionCheck check, int size, int stride)
    {
        if (size <= 0) check.Invalid("size", $"size = {size} must be at least 1.", true);
        if (stride <= 0) check.Invalid("Stride", $"Stride = {stride} must be at least 1.", true);
    }

    /// <summary>NG0007 for average pooling: the pooling options, and a padding in [0, size) so that every window holds an input.</summary>
    public static void CheckAveragePooling(OptionCheck check, int size, int stride, int padding)
    {
        CheckPooling(check, size, stride);
        if (padding < 0)
        {
            check.Invalid("Padding", $"Padding = {padding} must be ≥ 0.", true);
        }
        else if (size > 0 && padding >= size)
        {
            check.Invalid("Padding", $"Padding = {padding} must be less than size = {size}: a window over the padding alone would average no input.", true);
        }
    }

    /// <summary>A convolution's weights and im2col workspace, per sample; <paramref name="patch"/> = C·k (·k in 2-D).</summary>
    public static (long Length, string What)[] ConvolutionBuffers(int filters, long patch, Shape output)
    {
        long positions = output.Product / output[0];
        return new[]
        {
            ((long)filters * patch, "its weights W"),
            ((patch * positions) + (filters * Math.Max(patch, positions)), "its im2col workspace"),
        };
    }

    /// <summary><c>extent/stride + 1</c> exactly: <c>2</c>, or <c>3/2 + 1 = 5/2</c> for a value that is not whole.</summary>
    private static string Exact(long extent, int stride)
    {
        if (extent % stride == 0)
        {
            return Messages.Count((extent / stride) + 1);
        }

        long numerator = extent + stride, divisor = Gcd(Math.Abs(numerator), stride);
        string fraction = $"{(numerator / divisor).ToString(CultureInfo.InvariantCulture)}/{(stride / divisor).ToString(CultureInfo.InvariantCulture)}";
        return $"{extent.ToString(CultureInfo.InvariantCulture)}/{stride.ToString(CultureInfo.InvariantCulture)} + 1 = {fraction}";
    }

    private static long Gcd(long a, long b) => b == 0 ? (a == 0 ? 1 : a) : Gcd(b, a % b);
}

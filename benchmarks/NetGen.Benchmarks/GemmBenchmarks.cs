using BenchmarkDotNet.Attributes;
using NetGen.Kernels;

namespace NetGen.Benchmarks;

/// <summary>One matrix product of the Fashion-MNIST MLP's training step, as NetGen and as cblas_sgemm compute it.</summary>
/// <param name="Name">How the benchmark table names it: the product and m × k × n (at most 20 characters, or
/// BenchmarkDotNet shortens it).</param>
/// <param name="Kind">Forward <c>C = A·Bᵀ</c>, weight gradient <c>C += Aᵀ·B</c>, or input gradient <c>C = A·B</c>.</param>
public sealed record GemmShape(string Name, GemmShapeKind Kind, int M, int K, int N)
{
    /// <summary>Floating-point operations: one multiply and one add per term.</summary>
    public double Flops => 2.0 * M * K * N;

    public override string ToString() => Name;

    /// <summary>The forward products (batch 128: 784 → 256 → 128 → 10) and the backward products of the same step.</summary>
    public static GemmShape[] MlpShapes { get; } =
    [
        new("Y=XWᵀ 128×784×256", GemmShapeKind.Forward, 128, 784, 256),
        new("Y=XWᵀ 128×256×128", GemmShapeKind.Forward, 128, 256, 128),
        new("Y=XWᵀ 128×128×10", GemmShapeKind.Forward, 128, 128, 10),
        new("dW+=dYᵀX 256×128×784", GemmShapeKind.WeightGradient, 256, 128, 784),
        new("dW+=dYᵀX 128×128×256", GemmShapeKind.WeightGradient, 128, 128, 256),
        new("dW+=dYᵀX 10×128×128", GemmShapeKind.WeightGradient, 10, 128, 128),
        new("dX=dYW 128×128×256", GemmShapeKind.InputGradient, 128, 128, 256),
        new("dX=dYW 128×10×128", GemmShapeKind.InputGradient, 128, 10, 128),
    ];
}

/// <summary>The three products of a dense layer.</summary>
public enum GemmShapeKind
{
    /// <summary><c>C[m×n] = A[m×k] · B[n×k]ᵀ</c>.</summary>
    Forward,

    /// <summary><c>C[m×n] += A[k×m]ᵀ · B[k×n]</c>.</summary>
    WeightGradient,

    /// <summary><c>C[m×n] = A[m×k] · B[k×n]</c>.</summary>
    InputGradient,
}

/// <summary>The same product through NetGen's GEMM (one thread, then two) and through OpenBLAS on one thread (the baseline).</summary>
[MemoryDiagnoser]
public unsafe class GemmBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.MlpShapes[0];

    public static IEnumerable<GemmShape> Shapes => GemmShape.MlpShapes;

    [GlobalSetup]
    public void Setup()
    {
        OpenBlas.SetThreads(1);
        Console.WriteLine($"// OpenBLAS core: {OpenBlas.Describe()}; NetGen kernels: {NetGenOptions.KernelPath}");
        var random = new Random(1);
        _a = Fill(Shape.M * Shape.K, random);
        _b = Fill(Shape.K * Shape.N, random);
        _c = Fill(Shape.M * Shape.N, random);
    }

    [Benchmark(Baseline = true, Description = "OpenBLAS sgemm, 1 thread")]
    public void OpenBlasSgemm() => RunOpenBlas(Shape, _a, _b, _c);

    [Benchmark(Description = "NetGen, 1 thread")]
    public void NetGenOneThread() => RunNetGen(Shape, _a, _b, _c, threads: 1);

    [Benchmark(Description = "NetGen, 2 threads")]
    public void NetGenTwoThreads() => RunNetGen(Shape, _a, _b, _c, threads: 2);

    public static void RunNetGen(GemmShape shape, float[] a, float[] b, float[] c, int threads)
    {
        switch (shape.Kind)
        {
            case GemmShapeKind.Forward:
                Gemm.MultiplyTransposedB<float>(a, b, [], c, shape.M, shape.K, shape.N, Gemm.DefaultPath, threads);
                break;
            case GemmShapeKind.WeightGradient:
                Gemm.AddTransposedAMultiply<float>(a, b, c, shape.M, shape.K, shape.N, Gemm.DefaultPath, threads);
                break;
            default:
                Gemm.Multiply<float>(a, b, c, shape.M, shape.K, shape.N, Gemm.DefaultPath, threads);
                break;
        }
    }

    public static void RunOpenBlas(GemmShape shape, float[] a, float[] b, float[] c)
    {
        int m = shape.M, k = shape.K, n = shape.N;
        fixed (float* pa = a, pb = b, pc = c)
        {
            switch (shape.Kind)
            {
                case GemmShapeKind.Forward:
                    OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.NoTrans, OpenBlas.Trans, m, n, k, 1f, pa, k, pb, k, 0f, pc, n);
                    break;
                case GemmShapeKind.WeightGradient:
                    OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.Trans, OpenBlas.NoTrans, m, n, k, 1f, pa, m, pb, n, 1f, pc, n);
                    break;
                default:
                    OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.NoTrans, OpenBlas.NoTrans, m, n, k, 1f, pa, k, pb, n, 0f, pc, n);
                    break;
            }
        }
    }

    private static float[] Fill(int count, Random random)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * 0.01f;
        }

        return values;
    }

    public static float[] Random(int count, int seed) => Fill(count, new Random(seed));
}

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

    /// <summary>The forward products (batch 128: 784 → 256 → 128 → 10), the backward products of the same step, and the predict's two large products at batch 1024.</summary>
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
        new("Y=XWᵀ 1024×784×256", GemmShapeKind.Forward, 1024, 784, 256),
        new("Y=XWᵀ 1024×256×128", GemmShapeKind.Forward, 1024, 256, 128),
    ];

    /// <summary>
    /// The per-sample products of the Fashion-MNIST CNN (samples/FashionMnist): Conv2D 1→32 on 28×28 (Q = 9,
    /// P = 784), Conv2D 32→64 on 14×14 (Q = 288, P = 196), and its Dense 3136 → 128 at batch 128 (forward, dW and dX).
    /// </summary>
    public static GemmShape[] CnnShapes { get; } =
    [
        new("Y=WCols 32×9×784", GemmShapeKind.InputGradient, 32, 9, 784),
        new("dW+=dYColsᵀ 32×784×9", GemmShapeKind.ConvWeightGradient, 32, 784, 9),
        new("Y=WCols 64×288×196", GemmShapeKind.InputGradient, 64, 288, 196),
        new("dW+=dYColsᵀ 64×196×288", GemmShapeKind.ConvWeightGradient, 64, 196, 288),
        new("dRows=dYᵀW 196×64×288", GemmShapeKind.InputGradient, 196, 64, 288),
        new("Y=XWᵀ 128×3136×128", GemmShapeKind.Forward, 128, 3136, 128),
        new("dW+=dYᵀX 128×128×3136", GemmShapeKind.WeightGradient, 128, 128, 3136),
        new("dX=dYW 128×128×3136", GemmShapeKind.InputGradient, 128, 128, 3136),
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

    /// <summary><c>C[m×n] += A[m×k] · B[n×k]ᵀ</c> (a convolution's kernel gradient, accumulated sample after sample).</summary>
    ConvWeightGradient,
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

    public static void RunNetGen(GemmShape shape, float[] a, float[] b, float[] c, int threads) =>
        RunNetGen(shape, a, b, c, threads, Gemm.DefaultPath);

    internal static void RunNetGen(GemmShape shape, float[] a, float[] b, float[] c, int threads, GemmPath path)
    {
        switch (shape.Kind)
        {
            case GemmShapeKind.Forward:
                Gemm.MultiplyTransposedB<float>(a, b, [], c, shape.M, shape.K, shape.N, path, threads);
                break;
            case GemmShapeKind.WeightGradient:
                Gemm.AddTransposedAMultiply<float>(a, b, c, shape.M, shape.K, shape.N, path, threads);
                break;
            case GemmShapeKind.ConvWeightGradient:
                Gemm.AddMultiplyTransposedB<float>(a, b, c, shape.M, shape.K, shape.N, path, threads);
                break;
            default:
                Gemm.Multiply<float>(a, b, c, shape.M, shape.K, shape.N, path, threads);
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
                case GemmShapeKind.ConvWeightGradient:
                    OpenBlas.Sgemm(OpenBlas.RowMajor, OpenBlas.NoTrans, OpenBlas.Trans, m, n, k, 1f, pa, k, pb, k, 1f, pc, n);
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

/// <summary>
/// Every GEMM path this processor runs (<c>Vector512</c>, <c>Vector256</c>, <c>Vector128</c>) at the MLP's and the CNN's
/// shapes, one thread, against OpenBLAS on one thread: the paths compared in one run, whatever
/// <c>NETGEN_KERNEL_PATH</c> says (it only sets the path the networks use).
/// </summary>
[MemoryDiagnoser]
public class GemmPathBenchmarks
{
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.MlpShapes[0];

    [ParamsSource(nameof(Paths))]
    public string Path { get; set; } = "Vector256";

    /// <summary>6 × 2-vector outer-product tiles on the 16-register paths (the default), or 8 × 1 (before); no effect on Vector512.</summary>
    [Params(true, false)]
    public bool SixRowTiles { get; set; }

    public static IEnumerable<GemmShape> Shapes => GemmShape.MlpShapes.Concat(GemmShape.CnnShapes);

    public static IEnumerable<string> Paths => Gemm.SupportedPaths().Where(path => path != GemmPath.Scalar).Select(path => path.ToString());

    [GlobalSetup]
    public void Setup()
    {
        OpenBlas.SetThreads(1);
        GemmTuning.SixRowTiles = SixRowTiles;
        _a = GemmBenchmarks.Random(Shape.M * Shape.K, 1);
        _b = GemmBenchmarks.Random(Shape.K * Shape.N, 2);
        _c = GemmBenchmarks.Random(Shape.M * Shape.N, 3);
    }

    [GlobalCleanup]
    public void Cleanup() => GemmTuning.SixRowTiles = true;

    [Benchmark(Baseline = true, Description = "OpenBLAS sgemm, 1 thread")]
    public void OpenBlasSgemm() => GemmBenchmarks.RunOpenBlas(Shape, _a, _b, _c);

    [Benchmark(Description = "NetGen, 1 thread")]
    public void NetGen() => GemmBenchmarks.RunNetGen(Shape, _a, _b, _c, threads: 1, Enum.Parse<GemmPath>(Path));
}

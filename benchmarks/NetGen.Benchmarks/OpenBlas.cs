using System.Runtime.InteropServices;

namespace NetGen.Benchmarks;

/// <summary>
/// Debian's OpenBLAS (package libopenblas0-pthread or libopenblas-dev), through its CBLAS interface. The baseline for
/// the GEMM benchmarks, run on one thread: set OPENBLAS_NUM_THREADS=1 (the benchmark jobs do, and call
/// <see cref="SetThreads"/> too) and OPENBLAS_CORETYPE=SkylakeX so that its AVX-512 kernels are used on any AVX-512
/// processor.
/// </summary>
internal static unsafe partial class OpenBlas
{
    private const string Library = "libopenblas.so.0";

    public const int RowMajor = 101;
    public const int NoTrans = 111;
    public const int Trans = 112;

    [LibraryImport(Library, EntryPoint = "cblas_sgemm")]
    public static partial void Sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Library, EntryPoint = "openblas_set_num_threads")]
    public static partial void SetThreads(int threads);

    [LibraryImport(Library, EntryPoint = "openblas_get_corename")]
    private static partial nint CoreName();

    /// <summary>The kernel family OpenBLAS chose, e.g. "SkylakeX"; null when the library cannot be loaded.</summary>
    public static string? Describe()
    {
        try
        {
            return Marshal.PtrToStringAnsi(CoreName());
        }
        catch (DllNotFoundException)
        {
            return null;
        }
    }
}

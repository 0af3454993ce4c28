using System;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    public class NetGenOptionsTests
    {
        [Theory]
        [InlineData(0)]
        [InlineData(-2)]
        [InlineData(int.MinValue)]
        public void MaxDegreeOfParallelism_rejects_zero_and_values_below_minus_one(int value)
        {
            int before = NetGenOptions.MaxDegreeOfParallelism;
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => NetGenOptions.MaxDegreeOfParallelism = value);
            Assert.Contains("-1 (every processor)", error.Message);
            Assert.Equal(before, NetGenOptions.MaxDegreeOfParallelism);
        }

        [Fact]
        public void The_kernel_path_is_one_this_processor_supports()
        {
            Assert.Contains(Enum.Parse<GemmPath>(NetGenOptions.KernelPath), Gemm.SupportedPaths());
            Assert.Equal(Gemm.SupportedPaths()[^1].ToString(), NetGenOptions.KernelPath);
        }

        [Theory]
        [InlineData(1, 784, 256, 8, 1)]     // one sample: never split
        [InlineData(2, 784, 256, 8, 1)]     // 401,408 multiply-adds: below two grains
        [InlineData(128, 128, 10, 8, 1)]    // the MLP's last layer
        [InlineData(128, 784, 256, 1, 1)]   // capped at one thread
        [InlineData(128, 784, 256, 2, 2)]
        [InlineData(128, 784, 256, 64, 16)] // at most one thread per tile: 128 rows / 8
        public void Only_products_with_enough_work_are_split(int m, int k, int n, int maxThreads, int expected)
        {
            var product = new GemmProduct<float> { Kind = GemmKind.TransposedPanel, Path = GemmPath.Vector512, M = m, K = k, N = n };
            // With the default grain: the GEMM tests lower Gemm.ParallelGrain while they run, possibly at the same time.
            Assert.Equal(expected, product.ThreadsFor(maxThreads, Gemm.DefaultParallelGrain));
        }

        [Fact]
        public void The_effective_degree_never_exceeds_the_processor_count()
        {
            Assert.InRange(NetGenOptions.EffectiveDegreeOfParallelism, 1, Environment.ProcessorCount);
        }
    }
}

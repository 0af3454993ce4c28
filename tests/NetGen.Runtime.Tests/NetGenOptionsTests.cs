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
        public void The_kernel_path_is_what_NETGEN_KERNEL_PATH_and_this_processor_give()
        {
            (GemmPath expected, string reason) = KernelPaths.Choose(Environment.GetEnvironmentVariable(KernelPaths.EnvironmentVariable), Gemm.SupportedPaths()[^1]);
            Assert.Contains(Enum.Parse<GemmPath>(NetGenOptions.KernelPath), Gemm.SupportedPaths());
            Assert.Equal(expected.ToString(), NetGenOptions.KernelPath);
            Assert.Equal(reason, NetGenOptions.KernelPathReason);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("  ")]
        public void No_value_gives_the_widest_path(string? value)
        {
            foreach (GemmPath best in Enum.GetValues<GemmPath>())
            {
                (GemmPath path, string reason) = KernelPaths.Choose(value, best);
                Assert.Equal(best, path);
                Assert.Contains("is not set", reason);
            }
        }

        [Theory]
        [InlineData("Scalar", "Scalar")]
        [InlineData("vector128", "Vector128")]
        [InlineData(" VECTOR256 ", "Vector256")]
        [InlineData("Vector512", "Vector512")]
        public void A_named_path_is_forced_at_or_below_the_processor_and_never_above(string value, string name)
        {
            GemmPath named = Enum.Parse<GemmPath>(name);
            foreach (GemmPath best in Enum.GetValues<GemmPath>())
            {
                (GemmPath path, string reason) = KernelPaths.Choose(value, best);
                if (named <= best)
                {
                    Assert.Equal(named, path);
                    Assert.Contains("forced by NETGEN_KERNEL_PATH", reason);
                }
                else
                {
                    Assert.Equal(best, path);
                    Assert.Contains("asks for more than this processor and build support", reason);
                }
            }
        }

        [Theory]
        [InlineData("avx2")]
        [InlineData("Vector1024")]
        [InlineData("3")]
        public void A_value_that_names_no_path_is_rejected_with_the_expected_names(string value)
        {
            var error = Assert.Throws<InvalidOperationException>(() => KernelPaths.Choose(value, GemmPath.Vector256));
            Assert.Contains($"\"{value}\"", error.Message);
            Assert.Contains("Vector512, Vector256, Vector128 or Scalar", error.Message);
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

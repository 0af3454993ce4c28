using System;
using System.Collections.Generic;
using NetGen.Kernels;
using NetGen.Threading;

namespace NetGen.Runtime.Tests
{
    /// <summary>Tests that count bytes allocated on the worker pool's threads: they run alone, so that no other test's work is counted.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class AllThreadsCollection
    {
        public const string Name = "Allocations counted on every thread";
    }

    /// <summary>
    /// Work split over the worker pool allocates nothing after warm-up, on the pool's threads either: the calling
    /// thread's bytes plus <see cref="WorkerPool.WorkerAllocatedBytes"/>, over many calls (the test host's own threads
    /// allocate now and then, so <see cref="GC.GetTotalAllocatedBytes(bool)"/> cannot be used).
    /// </summary>
    [Collection(AllThreadsCollection.Name)]
    public class AllThreadsAllocationTests
    {
        [Fact]
        public void A_convolution_split_by_samples_over_two_threads_allocates_nothing_after_warm_up()
        {
            var geometry = WindowGeometry.Create(8, 14, 14, 3, 3, 1, 1, 1, 1, "kernel", oneDimensional: false);
            const int batch = 8, filters = 16;
            float[] x = TestMath.To<float>(TestMath.Uniform(batch * geometry.InputLength, 1)), w = TestMath.To<float>(TestMath.Uniform(filters * geometry.PatchLength, 2));
            float[] b = new float[filters], y = new float[batch * filters * geometry.Positions], dw = new float[w.Length], db = new float[filters], dx = new float[x.Length];
            float[] workspace = new float[Convolution.WorkspaceLength(geometry, filters)];
            Assert.Equal(2, Convolution.SampleThreads(batch, geometry, filters, 2));
            void Step()
            {
                Convolution.Forward<float>(x, w, b, y, workspace, batch, geometry, filters, hasBias: true, Gemm.DefaultPath, 2);
                Convolution.Backward<float>(x, w, y, dw, db, dx, workspace, batch, geometry, filters, hasBias: true, hasInputGradient: true, Gemm.DefaultPath, 2);
            }

            AssertNoAllocation(Step);
        }

        private static object? s_kept;

        [Fact]
        public void The_check_fails_for_a_call_that_allocates_every_time()
        {
            var failure = Assert.ThrowsAny<Exception>(() => AssertNoAllocation(() => s_kept = new byte[8]));
            Assert.Contains("Every window of 200 calls", failure.Message);
        }

        /// <summary>
        /// Runs <paramref name="call"/> 50 times to warm up, then asserts that one of up to three windows of 200 more calls
        /// allocates nothing on this thread or a worker. A few kilobytes have now and then appeared once in a window, from a
        /// source not found yet (6,208 bytes once in CI; docs/benchmarks.md); an allocation in the calls shows in every window.
        /// </summary>
        internal static void AssertNoAllocation(Action call)
        {
            for (int i = 0; i < 50; i++)
            {
                call();
            }

            var windows = new List<string>();
            for (int window = 0; window < 3; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
                for (int i = 0; i < 200; i++)
                {
                    call();
                }

                long caller = GC.GetAllocatedBytesForCurrentThread() - before, workers = WorkerPool.Shared.WorkerAllocatedBytes - workersBefore;
                if (caller == 0 && workers == 0)
                {
                    return;
                }

                windows.Add($"{caller} bytes on the calling thread and {workers} on the workers");
            }

            Assert.Fail($"Every window of 200 calls after warm-up allocated: {string.Join("; ", windows)}.");
        }
    }
}

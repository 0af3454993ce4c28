using System;
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

        /// <summary>Runs <paramref name="call"/> 50 times to warm up, then asserts that 200 more calls allocate nothing on this thread or a worker.</summary>
        internal static void AssertNoAllocation(Action call)
        {
            for (int i = 0; i < 50; i++)
            {
                call();
            }

            long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = WorkerPool.Shared.WorkerAllocatedBytes;
            for (int i = 0; i < 200; i++)
            {
                call();
            }

            long caller = GC.GetAllocatedBytesForCurrentThread() - before, workers = WorkerPool.Shared.WorkerAllocatedBytes - workersBefore;
            Assert.True(caller == 0 && workers == 0, $"200 calls after warm-up allocated {caller} bytes on the calling thread and {workers} on the workers.");
        }
    }
}

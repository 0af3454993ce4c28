using System.Threading;
using System.Threading.Tasks;
using NetGen.Threading;

namespace NetGen.Runtime.Tests
{
    /// <summary>The worker pool runs every part of a call exactly once, claimed from both ends or from the front, also when calls come from several threads at once.</summary>
    [Collection(AllThreadsCollection.Name)]
    public class WorkerPoolTests
    {
        [Theory]
        [InlineData(2, true)]
        [InlineData(3, true)]
        [InlineData(17, true)]
        [InlineData(0x7FFF, true)]
        [InlineData(0x8000, true)]
        [InlineData(40000, true)]
        [InlineData(17, false)]
        public void Every_part_runs_exactly_once(int parts, bool twoEnded)
        {
            bool before = WorkerPool.TwoEnded;
            try
            {
                WorkerPool.TwoEnded = twoEnded;
                for (int call = 0; call < 20; call++)
                {
                    var work = new CountingWork(parts);
                    WorkerPool.Shared.Run(work, parts, 2);
                    work.AssertEachOnce();
                }
            }
            finally
            {
                WorkerPool.TwoEnded = before;
            }
        }

        [Fact]
        public void Calls_from_several_threads_at_once_each_run_every_part_once()
        {
            Parallel.For(0, 8, caller =>
            {
                for (int call = 0; call < 200; call++)
                {
                    var work = new CountingWork(1 + ((caller * 7) + call) % 40);
                    WorkerPool.Shared.Run(work, work.Parts, 2);
                    work.AssertEachOnce();
                }
            });
        }

        private sealed class CountingWork(int parts) : IParallelWork
        {
            private readonly int[] _runs = new int[parts];

            public int Parts => _runs.Length;

            public void Run(int part, int parts)
            {
                Assert.Equal(_runs.Length, parts);
                Interlocked.Increment(ref _runs[part]);
            }

            public void AssertEachOnce()
            {
                for (int i = 0; i < _runs.Length; i++)
                {
                    Assert.True(_runs[i] == 1, $"part {i} of {_runs.Length} ran {_runs[i]} times");
                }
            }
        }
    }
}

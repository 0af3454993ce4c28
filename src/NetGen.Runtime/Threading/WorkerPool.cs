using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetGen.Threading
{
    /// <summary>One piece of work cut into <c>parts</c> independent parts, run by <see cref="WorkerPool.Run"/>.</summary>
    internal interface IParallelWork
    {
        /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>; parts must not write to the same memory.</summary>
        void Run(int part, int parts);
    }

    /// <summary>
    /// Work a worker may do in small pieces while it waits for the next <see cref="WorkerPool.Run"/> call (see
    /// <see cref="WorkerPool.IdleWork"/>): the owner finishes whatever is left itself, so the result never depends on
    /// how much a worker did.
    /// </summary>
    internal interface IIdleWork
    {
        /// <summary>Claims and does one piece; false when none is left.</summary>
        bool RunOne();
    }

    /// <summary>
    /// A few long-lived background threads that help the calling thread run the parts of one
    /// <see cref="IParallelWork"/>. Unlike <c>Parallel.For</c> it allocates nothing per call: the work is an object the
    /// caller keeps and reuses, and the parts are handed out through one 64-bit counter.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The calling thread takes parts too, one after another, so a call never waits for a worker to wake up: on a busy
    /// machine, where a worker may not get a processor for milliseconds, the caller simply runs every part itself. It
    /// waits only for parts a worker has already started.
    /// </para>
    /// <para>
    /// The counter holds the call's generation (high 32 bits) and the next part (low 32 bits). A worker claims a part by
    /// compare-and-swap on the whole word, so a worker that wakes late can never take a part of a call that has ended:
    /// the caller closes its generation before it returns.
    /// </para>
    /// <para>
    /// One call at a time: a call made while the pool is busy (from another thread) runs all its parts on its own
    /// thread. Results never depend on which thread ran a part.
    /// </para>
    /// </remarks>
    internal sealed class WorkerPool
    {
        /// <summary>
        /// How long an idle worker polls for the next call (spinning, then yielding the processor) before it sleeps:
        /// 1 ms. The products of a training step come some tens of microseconds apart, and waking a sleeping thread
        /// takes about as long as a whole product, so a worker that slept between them would rarely get a part.
        /// </summary>
        private static readonly long SpinTicks = TimeSpan.FromMilliseconds(1).Ticks;

        /// <summary>The "next part" value of a closed generation: larger than any part count.</summary>
        private const int Closed = int.MaxValue;

        /// <summary>
        /// Calls with at most this many parts are claimed from both ends: the calling thread takes parts 0, 1, 2, … and
        /// the workers take parts from the last one down (low 16 bits of the counter: parts taken from the front; next 15:
        /// from the back), so that each thread's parts are neighbours and two threads share at most one edge of the
        /// output (a cache line that both would write, when parts are cut at a vector but the output is not aligned to
        /// a line). Calls with more parts are claimed from the front by every thread.
        /// </summary>
        private const int TwoEndedParts = 0x7FFF;

        /// <summary>Whether calls with few parts are claimed from both ends (the default), or every thread takes the next part from the front (before); the benchmarks compare the two.</summary>
        internal static bool TwoEnded { get; set; } = true;

        private readonly object _gate = new();
        private Thread[] _threads = Array.Empty<Thread>();
        private IParallelWork? _work;
        private int _parts;
        private bool _twoEnded;
        private int _helpers;
        private int _generation;
        private long _state = Closed;
        private int _done;
        private int _sleepers;
        private int _busy;
        private Exception? _failure;
        private long _workerAllocatedBytes;
        private IIdleWork? _idle;

        private WorkerPool()
        {
        }

        /// <summary>
        /// Bytes the workers allocated while running parts, since start-up: with the calling thread's own count, what a
        /// split call allocated (tests assert 0 after warm-up; other threads of the process do not count).
        /// </summary>
        internal long WorkerAllocatedBytes => Interlocked.Read(ref _workerAllocatedBytes);

        /// <summary>
        /// Work the first worker does piece by piece while it polls for the next call (never while it sleeps), or null.
        /// The caller that sets it must clear it and finish the work itself before it relies on the result.
        /// </summary>
        internal IIdleWork? IdleWork
        {
            get => Volatile.Read(ref _idle);
            set => Volatile.Write(ref _idle, value);
        }

        /// <summary>The process-wide pool.</summary>
        public static WorkerPool Shared { get; } = new();

        /// <summary>
        /// Runs <c>work.Run(p, parts)</c> for every p in [0, parts) on the calling thread and at most
        /// <paramref name="threads"/> − 1 workers, and returns when all parts are done. An exception from a part is
        /// rethrown here, after every part has finished.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(IParallelWork work, int parts, int threads)
        {
            if (parts <= 1 || threads <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            {
                for (int part = 0; part < parts; part++)
                {
                    work.Run(part, parts);
                }

                return;
            }

            try
            {
                EnsureThreads(threads - 1);
                _work = work;
                _parts = parts;
                _twoEnded = parts <= TwoEndedParts && TwoEnded;
                _helpers = threads - 1;
                _failure = null;
                _done = 0;
                int generation = ++_generation;
                Interlocked.Exchange(ref _state, (long)generation << 32);
                if (Volatile.Read(ref _sleepers) > 0)
                {
                    lock (_gate)
                    {
                        Monitor.PulseAll(_gate);
                    }
                }

                RunParts(generation, work, parts, _twoEnded, fromBack: false);
                var spinner = default(SpinWait);
                while (Volatile.Read(ref _done) < parts)
                {
                    spinner.SpinOnce(sleep1Threshold: -1);
                }

                Interlocked.Exchange(ref _state, ((long)generation << 32) | Closed);
                _work = null;
                if (_failure is { } failure)
                {
                    _failure = null;
                    ExceptionDispatchInfo.Capture(failure).Throw();
                }
            }
            finally
            {
                Volatile.Write(ref _busy, 0);
            }
        }

        /// <summary>
        /// Claims and runs parts of generation <paramref name="generation"/> until none is left or the generation is closed:
        /// from the front, or from the back when <paramref name="fromBack"/> and the call is claimed from both ends
        /// (<paramref name="twoEnded"/>, the caller's choice for the call).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunParts(int generation, IParallelWork work, int parts, bool twoEnded, bool fromBack)
        {
            while (true)
            {
                long state = Volatile.Read(ref _state);
                int next = (int)state;
                if ((int)(state >> 32) != generation || next >= Closed)
                {
                    return;
                }

                int part;
                long claimed;
                if (twoEnded)
                {
                    // front in bits 0–15, back in bits 16–30: a closed generation's int.MaxValue fails the test above.
                    int front = next & 0xFFFF, back = next >> 16;
                    if (front + back >= parts)
                    {
                        return;
                    }

                    (part, claimed) = fromBack ? (parts - 1 - back, state + 0x10000) : (front, state + 1);
                }
                else
                {
                    if (next >= parts)
                    {
                        return;
                    }

                    (part, claimed) = (next, state + 1);
                }

                if (Interlocked.CompareExchange(ref _state, claimed, state) != state)
                {
                    continue;
                }

                try
                {
                    work.Run(part, parts);
                }
                catch (Exception exception)
                {
                    Interlocked.CompareExchange(ref _failure, exception, null);
                }

                Interlocked.Increment(ref _done);
            }
        }

        /// <summary>One piece of <paramref name="idle"/>, its allocations counted as a part's are.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool RunIdle(IIdleWork idle)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            bool ran = idle.RunOne();
            allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
            if (allocated != 0)
            {
                Interlocked.Add(ref _workerAllocatedBytes, allocated);
            }

            return ran;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void EnsureThreads(int count)
        {
            if (_threads.Length >= count)
            {
                return;
            }

            var threads = new Thread[count];
            Array.Copy(_threads, threads, _threads.Length);
            for (int i = _threads.Length; i < count; i++)
            {
                int index = i;
                int generation = _generation; // read before the caller publishes its work
                threads[i] = new Thread(() => WorkerLoop(index, generation))
                {
                    IsBackground = true,
                    Name = "NetGen worker " + (index + 1).ToString(CultureInfo.InvariantCulture),
                };
                threads[i].Start();
            }

            _threads = threads;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void WorkerLoop(int index, int seen)
        {
            while (true)
            {
                var spinner = default(SpinWait);
                long idleSince = Stopwatch.GetTimestamp();
                while ((int)(Volatile.Read(ref _state) >> 32) == seen)
                {
                    // SpinOnce yields the processor after its first few rounds: on a machine with more busy threads
                    // than cores this worker may share a core with the caller, and must not keep it from running.
                    if (index == 0 && Volatile.Read(ref _idle) is { } idle && RunIdle(idle))
                    {
                        // Busy with idle work is not idle: poll on, without yielding, before the next piece.
                        spinner = default;
                        idleSince = Stopwatch.GetTimestamp();
                        continue;
                    }

                    if (spinner.Count < 100 || Stopwatch.GetElapsedTime(idleSince).Ticks < SpinTicks)
                    {
                        spinner.SpinOnce(sleep1Threshold: -1);
                        continue;
                    }

                    lock (_gate)
                    {
                        Interlocked.Increment(ref _sleepers);
                        while ((int)(Volatile.Read(ref _state) >> 32) == seen)
                        {
                            Monitor.Wait(_gate);
                        }

                        Interlocked.Decrement(ref _sleepers);
                    }
                }

                // Read the generation first, then the work: a part is only run if the claim on this same generation
                // succeeds, which proves the work read here belongs to it.
                seen = (int)(Volatile.Read(ref _state) >> 32);
                IParallelWork? work = Volatile.Read(ref _work);
                int parts = Volatile.Read(ref _parts);
                bool twoEnded = Volatile.Read(ref _twoEnded);
                if (work is not null && index < Volatile.Read(ref _helpers))
                {
                    long allocated = GC.GetAllocatedBytesForCurrentThread();
                    RunParts(seen, work, parts, twoEnded, fromBack: true);
                    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                    if (allocated != 0)
                    {
                        Interlocked.Add(ref _workerAllocatedBytes, allocated);
                    }
                }
            }
        }
    }
}

using System;
using System.Linq;
using NetGen.Data;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests.Optimizers
{
    /// <summary>
    /// The trainer's per-batch passes split over the worker pool: Adam's update (with the rollback copy and the parameter
    /// check fused into it), the finiteness scan and the batch gather give the same bits on one thread and on two, and the
    /// fused check finds a bad value wherever it is. They run alone because they change the process-wide thread count.
    /// </summary>
    [Collection(AllThreadsCollection.Name)]
    public class GuardedStepTests
    {
        // Longer than the parallel thresholds (2 × 2¹⁵ parameters, 2 × 2¹⁶ scanned values) and no multiple of a vector.
        private const int Length = 200_003;

        private static float[] Values(int length, int seed, float scale = 1f)
        {
            var random = new Random(seed);
            return Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
        }

        private static T WithThreads<T>(int threads, Func<T> call)
        {
            int before = NetGenOptions.MaxDegreeOfParallelism;
            NetGenOptions.MaxDegreeOfParallelism = threads;
            try
            {
                return call();
            }
            finally
            {
                NetGenOptions.MaxDegreeOfParallelism = before;
            }
        }

        [Theory]
        [InlineData("adam")]
        [InlineData("adamw")]
        [InlineData("momentum")]
        public void A_guarded_step_on_two_threads_matches_a_plain_step_on_one_bit_for_bit_and_copies_the_parameters_from_before_it(string name)
        {
            Optimizer<float> Create() => name switch
            {
                "adamw" => new AdamW<float>(learningRate: 0.01),
                "momentum" => new Sgd<float>(learningRate: 0.1, momentum: 0.9),
                _ => new Adam<float>(learningRate: 0.01),
            };

            Optimizer<float> plain = Create(), guarded = Create();
            Assert.True(guarded.KeepPreviousState());
            float[] a = Values(Length, 1), b = a.ToArray(), previous = new float[Length];
            for (int step = 1; step <= 3; step++)
            {
                float[] g = Values(Length, 10 + step);
                float[] before = b.ToArray();
                WithThreads(1, () => { plain.Step(a, g); return 0; });
                bool usable = WithThreads(2, () => guarded.StepGuarded(b, g, previous, MathF.Sqrt(float.MaxValue)));
                Assert.True(usable);
                Assert.Equal(a, b);
                Assert.Equal(before, previous);
                for (int i = 0; i < plain.StateBufferCount; i++)
                {
                    Assert.True(plain.StateBuffer(i).SequenceEqual(guarded.StateBuffer(i)), $"state buffer {i} after step {step}");
                }
            }

            // The step it took can be undone as before.
            Assert.True(guarded.CanStepBack);
        }

        [Theory]
        [InlineData(0, 1)]
        [InlineData(70_001, 2)]
        [InlineData(Length - 1, 2)] // the scalar tail
        [InlineData(Length / 2, 1)]
        public void The_fused_check_finds_a_parameter_beyond_the_limit_or_NaN_wherever_it_is(int index, int threads)
        {
            foreach (bool nan in new[] { false, true })
            {
                var adam = new Adam<float>(learningRate: 0.01);
                float[] parameters = Values(Length, 2), gradients = Values(Length, 3), previous = new float[Length];
                if (nan)
                {
                    gradients[index] = float.NaN;
                }
                else
                {
                    parameters[index] = 5e3f; // one step moves it by at most the learning rate
                }

                float[] before = parameters.ToArray();
                bool usable = WithThreads(threads, () => adam.StepGuarded(parameters, gradients, previous, 1e3f));
                Assert.False(usable, $"index {index}, NaN {nan}");
                Assert.Equal(before, previous);
                Assert.True(nan ? float.IsNaN(parameters[index]) : parameters[index] > 1e3f);
            }
        }

        /// <summary>A copy buffer aligned as the trainer's is (so that Adam streams into it), <paramref name="length"/> long.</summary>
        private static Memory<float> AlignedBuffer(int length)
        {
            float[] storage = GC.AllocateArray<float>(length + 16, pinned: true);
            var handle = System.Runtime.InteropServices.GCHandle.Alloc(storage, System.Runtime.InteropServices.GCHandleType.Pinned);
            long address = handle.AddrOfPinnedObject().ToInt64();
            handle.Free(); // the array lives on the pinned heap: its address stays
            int offset = (int)((64 - (address % 64)) % 64) / sizeof(float);
            return storage.AsMemory(offset, length);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void A_checked_Adam_step_on_two_threads_matches_a_plain_one_on_one_and_its_norm_does_not_depend_on_the_threads(bool aligned)
        {
            Adam<float> plain = new(learningRate: 0.01), one = new(learningRate: 0.01), two = new(learningRate: 0.01);
            Assert.True(one.KeepPreviousState() && two.KeepPreviousState());
            float[] a = Values(Length, 1), b = a.ToArray(), c = a.ToArray();
            Memory<float> previousOne = aligned ? AlignedBuffer(Length) : new float[Length], previousTwo = aligned ? AlignedBuffer(Length + 1).Slice(1) : new float[Length];
            float limit = MathF.Sqrt(float.MaxValue);
            for (int step = 1; step <= 3; step++)
            {
                float[] g = Values(Length, 20 + step, scale: 0.5f);
                float[] before = a.ToArray();
                WithThreads(1, () => { plain.Step(a, g); return 0; });
                double normOne = 0, normTwo = 0;
                Assert.Equal(GuardedOutcome.Usable, WithThreads(1, () => one.StepChecked(b, g, previousOne.Span, limit, out normOne)));
                Assert.Equal(GuardedOutcome.Usable, WithThreads(2, () => two.StepChecked(c, g, previousTwo.Span, limit, out normTwo)));
                Assert.Equal(a, b);
                Assert.Equal(a, c);
                Assert.Equal(before, previousOne.ToArray());
                Assert.Equal(before, previousTwo.ToArray());
                Assert.Equal(normOne, normTwo);
                double expected = Math.Sqrt(g.Sum(v => (double)v * v));
                Assert.Equal(expected, normOne, 1e-12 * expected);
                for (int i = 0; i < plain.StateBufferCount; i++)
                {
                    Assert.True(plain.StateBuffer(i).SequenceEqual(two.StateBuffer(i)), $"state buffer {i} after step {step}");
                }
            }
        }

        [Theory]
        [InlineData(0, 1)]
        [InlineData(70_001, 2)]
        [InlineData(Length - 1, 2)] // the scalar tail
        [InlineData(Length / 2, 1)]
        public void A_checked_Adam_step_with_a_NaN_or_infinite_gradient_changes_nothing_and_the_step_before_can_still_be_undone(int index, int threads)
        {
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                var adam = new Adam<float>(learningRate: 0.01);
                Assert.True(adam.KeepPreviousState());
                float[] parameters = Values(Length, 2);
                Memory<float> previous = AlignedBuffer(Length);
                float[] first = Values(Length, 3), second = Values(Length, 4);
                adam.Step(parameters, Values(Length, 9)); // moments that are not all zero
                byte[][] beforeFirst = StateBytes(adam);
                Assert.Equal(GuardedOutcome.Usable, WithThreads(threads, () => adam.StepChecked(parameters, first, previous.Span, 1e3f, out _)));
                float[] afterFirst = parameters.ToArray();
                byte[][] stateAfterFirst = StateBytes(adam);

                second[index] = bad;
                double norm = 0;
                GuardedOutcome outcome = WithThreads(threads, () => adam.StepChecked(parameters, second, previous.Span, 1e3f, out norm));
                Assert.Equal(GuardedOutcome.NonFiniteGradient, outcome);
                Assert.False(double.IsFinite(norm), $"{bad} at {index}: norm {norm}");
                Assert.Equal(afterFirst, parameters);
                Assert.Equal(2, adam.StepCount);
                Assert.Equal(stateAfterFirst, StateBytes(adam));

                // The first step is still the one StepBack undoes.
                Assert.True(adam.CanStepBack);
                adam.StepBack();
                Assert.Equal(beforeFirst, StateBytes(adam));
                Assert.Equal(1, adam.StepCount);
            }
        }

        private static byte[][] StateBytes(Optimizer<float> optimizer) =>
            Enumerable.Range(0, optimizer.StateBufferCount).Select(i => System.Runtime.InteropServices.MemoryMarshal.AsBytes(optimizer.StateBuffer(i)).ToArray()).ToArray();

        [Fact]
        public void A_checked_Adam_step_in_double_matches_a_plain_one_and_drops_a_step_whose_gradient_squared_overflows()
        {
            Adam<double> plain = new(learningRate: 0.01), checkedAdam = new(learningRate: 0.01);
            Assert.True(checkedAdam.KeepPreviousState());
            double[] a = Values(Length, 1).Select(v => (double)v).ToArray(), b = a.ToArray(), previous = new double[Length];
            double[] g = Values(Length, 2).Select(v => (double)v).ToArray();
            WithThreads(1, () => { plain.Step(a, g); return 0; });
            double norm = 0;
            Assert.Equal(GuardedOutcome.Usable, WithThreads(2, () => checkedAdam.StepChecked(b, g, previous, 1e150, out norm)));
            Assert.Equal(a, b);
            Assert.Equal(Math.Sqrt(g.Sum(v => v * v)), norm, 1e-12 * norm);

            // A finite gradient whose square overflows double has no finite norm either: the step is dropped, as the
            // separate norm pass would have refused it.
            double[] after = b.ToArray();
            g[Length - 2] = 1e200;
            Assert.Equal(GuardedOutcome.NonFiniteGradient, WithThreads(2, () => checkedAdam.StepChecked(b, g, previous, 1e150, out norm)));
            Assert.True(double.IsPositiveInfinity(norm));
            Assert.Equal(after, b);
            Assert.Equal(1, checkedAdam.StepCount);
            Assert.True(plain.StateBuffer(0).SequenceEqual(checkedAdam.StateBuffer(0)) && plain.StateBuffer(1).SequenceEqual(checkedAdam.StateBuffer(1)));
        }

        [Fact]
        public void A_checked_step_of_an_optimizer_without_the_fused_check_measures_the_norm_first_and_does_not_step_on_a_bad_gradient()
        {
            var sgd = new Sgd<float>(learningRate: 0.1, momentum: 0.9);
            Assert.True(sgd.KeepPreviousState());
            float[] parameters = Values(Length, 2), before = parameters.ToArray(), g = Values(Length, 5), previous = new float[Length];
            Assert.Equal(GuardedOutcome.Usable, WithThreads(2, () => sgd.StepChecked(parameters, g, previous, 1e3f, out _)));
            Assert.Equal(before, previous);
            float[] after = parameters.ToArray();
            g[12] = float.PositiveInfinity;
            Assert.Equal(GuardedOutcome.NonFiniteGradient, WithThreads(2, () => sgd.StepChecked(parameters, g, previous, 1e3f, out double norm)));
            Assert.Equal(after, parameters);
            Assert.Equal(1, sgd.StepCount);
        }

        [Fact]
        public void A_guarded_step_checks_the_copy_buffer_and_the_lengths_before_changing_anything()
        {
            var adam = new Adam<float>(learningRate: 0.01);
            float[] parameters = Values(10, 4), before = parameters.ToArray();
            Assert.Throws<ArgumentException>(() => adam.StepGuarded(parameters, new float[10], new float[9], 1f));
            Assert.Throws<ArgumentException>(() => adam.StepGuarded(parameters, new float[9], new float[10], 1f));
            Assert.Equal(before, parameters);
            Assert.Equal(0, adam.StepCount);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        public void The_finiteness_scan_finds_NaN_and_infinities_in_every_part_and_accepts_MaxValue(int threads)
        {
            const int Long = 1_000_003;
            float[] values = Values(Long, 5, scale: float.MaxValue);
            values[17] = float.MaxValue;
            values[Long - 5] = -float.MaxValue;
            Assert.True(WithThreads(threads, () => GuardScan.AllFinite<float>(values)));
            foreach (int index in new[] { 0, 65_536, 500_000, Long - 1 })
            {
                foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
                {
                    float kept = values[index];
                    values[index] = bad;
                    Assert.False(WithThreads(threads, () => GuardScan.AllFinite<float>(values)), $"{bad} at {index}");
                    values[index] = kept;
                }
            }

            double[] doubles = new double[Long];
            Assert.True(WithThreads(threads, () => GuardScan.AllWithin<double>(doubles, 0)));
            doubles[300_000] = 1e-300;
            Assert.False(WithThreads(threads, () => GuardScan.AllWithin<double>(doubles, 0)));
        }

        [Fact]
        public void The_gradient_norm_by_chunks_gives_the_same_bits_on_one_and_two_threads_and_matches_the_sum_in_double()
        {
            float[] g = Values(5 * Length + 11, 7, scale: 3f); // past 2²⁰: split over the pool
            double one = WithThreads(1, () => GradientClipping.GlobalNorm<float>(g));
            double two = WithThreads(2, () => GradientClipping.GlobalNorm<float>(g));
            Assert.Equal(one, two);
            double expected = Math.Sqrt(g.Sum(v => (double)v * v));
            Assert.Equal(expected, two, 1e-12 * expected);
            g[g.Length - 3] = float.NaN; // in the last chunk's scalar tail
            Assert.True(double.IsNaN(WithThreads(2, () => GradientClipping.GlobalNorm<float>(g))));
            g[g.Length - 3] = 0;
            g[100_000] = float.PositiveInfinity;
            Assert.True(double.IsPositiveInfinity(WithThreads(2, () => GradientClipping.GlobalNorm<float>(g))));

            // Below 2²⁰ the chunks stay on the calling thread, with the same chunked sum.
            float[] shorter = g.AsSpan(0, Length).ToArray();
            shorter[100_000] = 1;
            Assert.Equal(WithThreads(1, () => GradientClipping.GlobalNorm<float>(shorter)), WithThreads(2, () => GradientClipping.GlobalNorm<float>(shorter)));
        }

        [Fact]
        public void The_batch_gather_on_two_threads_copies_the_rows_in_order_like_one_thread()
        {
            const int Rows = 3000, Size = 97, Batch = 1000;
            float[] source = Values(Rows * Size, 6);
            var order = Enumerable.Range(0, Rows).ToArray();
            var shuffler = new SplitMixShuffler(9);
            shuffler.Shuffle(order);
            var expected = new float[Batch * Size];
            for (int i = 0; i < Batch; i++)
            {
                source.AsSpan(order[100 + i] * Size, Size).CopyTo(expected.AsSpan(i * Size));
            }

            var one = new float[Batch * Size];
            var two = new float[Batch * Size];
            WithThreads(1, () => { RowGather<float>.Copy(source, Size, order.AsSpan(100, Batch), one); return 0; });
            WithThreads(2, () => { RowGather<float>.Copy(source, Size, order.AsSpan(100, Batch), two); return 0; });
            Assert.Equal(expected, one);
            Assert.Equal(expected, two);

            order[150] = Rows; // past the last sample: refused before anything is copied
            var untouched = new float[Batch * Size];
            Assert.Throws<ArgumentOutOfRangeException>(() => WithThreads(2, () => { RowGather<float>.Copy(source, Size, order.AsSpan(100, Batch), untouched); return 0; }));
            Assert.All(untouched, v => Assert.Equal(0f, v));
        }
    }
}

using System;
using System.Linq;
using System.Numerics;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>
    /// Makes one TrainStep call go wrong while the network underneath works: the loss becomes NaN, or one gradient
    /// value becomes NaN or ±∞ while the loss stays finite.
    /// </summary>
    internal sealed class Poisoned<T> : DelegatingNetwork<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly int _failingStep;
        private readonly int _index;
        private readonly T _value;
        private readonly bool _loss;

        /// <param name="inner">The working network.</param>
        /// <param name="failingStep">The 1-based TrainStep call that goes wrong.</param>
        /// <param name="loss">The loss becomes NaN (the gradient stays as computed).</param>
        /// <param name="index">Otherwise: the gradient value that becomes <paramref name="value"/> (negative: counted from the end).</param>
        /// <param name="value">NaN or ±∞.</param>
        public Poisoned(INetwork<T> inner, int failingStep, bool loss, int index = 0, T value = default)
            : base(inner)
        {
            _failingStep = failingStep;
            _loss = loss;
            _index = index;
            _value = value;
        }

        public int Steps { get; private set; }

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets) => Poison(base.TrainStep(inputs, targets));

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, Span<T> outputs) => Poison(base.TrainStep(inputs, targets, outputs));

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels) => Poison(base.TrainStep(inputs, labels));

        public override T TrainStep(ReadOnlySpan<T> inputs, ReadOnlySpan<int> labels, Span<T> outputs) => Poison(base.TrainStep(inputs, labels, outputs));

        private T Poison(T loss)
        {
            if (++Steps != _failingStep)
            {
                return loss;
            }

            if (_loss)
            {
                return T.NaN;
            }

            Span<T> gradients = Inner.Gradients;
            gradients[_index >= 0 ? _index : gradients.Length + _index] = _value;
            return loss;
        }
    }

    /// <summary>
    /// Without clipping, Adam checks the gradient in its update's own pass (the trainer measures no norm first) and drops
    /// the step when the gradient holds a NaN or ∞; with clipping, the trainer measures the norm first. Either way a NaN
    /// loss or a non-finite gradient stops Fit with a <see cref="NonFiniteLossException"/> and leaves the network and the
    /// optimizer exactly as before the batch before (the step whose parameters failed), on one thread and on two, with
    /// a network large enough (75,250 parameters) that the update is split over the worker pool.
    /// </summary>
    [Collection(AllThreadsCollection.Name)]
    public class FusedGradientCheckTests
    {
        private const int Inputs = 300, Outputs = 250; // 75,250 parameters: above the 2 × 2¹⁵ at which Adam splits its update

        public static TheoryData<int, bool, string> Cases()
        {
            var data = new TheoryData<int, bool, string>();
            foreach (int threads in new[] { 1, 2 })
            {
                foreach (bool clip in new[] { false, true })
                {
                    foreach (string fault in new[] { "loss", "nan-first", "inf-last", "minus-inf-middle" })
                    {
                        data.Add(threads, clip, fault);
                    }
                }
            }

            return data;
        }

        private static Dataset<float> Regression(int count, ulong seed)
        {
            Dataset<float> noise = DivergenceTests.Noise(count, Inputs, 2, seed);
            var targets = Enumerable.Range(0, count * Outputs).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
            return new Dataset<float>(noise.Features, Inputs, targets, Outputs);
        }

        private static Poisoned<float> Network(int failingStep, string fault) => new(
            new RandomStepping<float>(new LinearRegression<float>(Inputs, Outputs)),
            failingStep,
            loss: fault == "loss",
            index: fault switch { "inf-last" => -1, "minus-inf-middle" => 40_000, _ => 0 },
            value: fault switch { "inf-last" => float.PositiveInfinity, "minus-inf-middle" => float.NegativeInfinity, _ => float.NaN });

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
        [MemberData(nameof(Cases))]
        public void A_bad_batch_after_good_ones_stops_Fit_and_goes_back_exactly_to_before_the_batch_before(int threads, bool clip, string fault)
        {
            // 4 batches per epoch; TrainStep call 6 is epoch 2, batch 2: the network must hold what it held before epoch 2, batch 1.
            Poisoned<float> network = Network(failingStep: 6, fault);
            var optimizer = new Adam<float>(learningRate: 0.01);
            var journal = new Journal<float>(network, optimizer);
            var options = new TrainerOptions { Epochs = 3, BatchSize = 8, Seed = 4, ClipNorm = clip ? 1e30 : null };
            var trainer = new Trainer<float>(network, optimizer, options);

            var e = WithThreads(threads, () => Assert.Throws<NonFiniteLossException>(() => trainer.Fit(Regression(32, 6), null, journal)));

            Assert.Equal((2, 2), (e.Epoch, e.Batch));
            Assert.Equal((2, 1), (e.RestoredEpoch, e.RestoredBatch));
            journal.AssertRestored(e, trainStepFailed: true);
            if (fault == "loss")
            {
                Assert.True(double.IsNaN(e.Loss), e.Message);
                Assert.True(double.IsFinite(e.GradientNorm), e.Message);
            }
            else
            {
                Assert.True(double.IsFinite(e.Loss), e.Message);
                Assert.False(double.IsFinite(e.GradientNorm), e.Message);
                Assert.Contains("gradient", e.Message);
            }
            Assert.Equal(4, optimizer.StepCount);
        }

        [Theory]
        [InlineData(1, false)]
        [InlineData(2, false)]
        [InlineData(2, true)]
        public void A_non_finite_gradient_on_the_first_batch_leaves_the_network_and_a_fresh_Adam_untouched(int threads, bool clip)
        {
            Poisoned<float> network = Network(failingStep: 1, "inf-last");
            var optimizer = new Adam<float>(learningRate: 0.01);
            TrainingSnapshot before = TrainingSnapshot.Take(network, optimizer);
            var trainer = new Trainer<float>(network, optimizer, new TrainerOptions { Epochs = 1, BatchSize = 8, ClipNorm = clip ? 1e30 : null });

            var e = WithThreads(threads, () => Assert.Throws<NonFiniteLossException>(() => trainer.Fit(Regression(16, 2))));

            Assert.Equal((1, 1), (e.Epoch, e.Batch));
            Assert.Equal((1, 1), (e.RestoredEpoch, e.RestoredBatch));
            before.AssertEqual(TrainingSnapshot.Take(network, optimizer), gradients: false);
            Assert.Equal(-1, optimizer.ParameterCount); // as unsized as before
            Assert.Equal(0, optimizer.StepCount);
        }

        [Fact]
        public void The_fused_check_trains_the_same_bits_on_one_thread_and_two_and_as_the_separate_norm_pass()
        {
            float[] Train(int threads, bool fused, out double[] norms)
            {
                var network = new RandomStepping<float>(new LinearRegression<float>(Inputs, Outputs));
                var trainer = new Trainer<float>(network, new Adam<float>(learningRate: 0.01), new TrainerOptions { Epochs = 2, BatchSize = 8, Seed = 9 });
                bool wasFused = Trainer<float>.FusedGradientCheck;
                Trainer<float>.FusedGradientCheck = fused;
                try
                {
                    TrainingResult result = WithThreads(threads, () => trainer.Fit(Regression(24, 3)));
                    norms = result.History.Epochs.Select(m => m.GradientNorm).ToArray();
                    return network.Parameters.ToArray();
                }
                finally
                {
                    Trainer<float>.FusedGradientCheck = wasFused;
                }
            }

            float[] one = Train(1, fused: true, out double[] normsOne);
            float[] two = Train(2, fused: true, out double[] normsTwo);
            float[] separate = Train(2, fused: false, out double[] normsSeparate);
            Assert.Equal(one, two);
            Assert.Equal(one, separate);
            Assert.Equal(normsOne, normsTwo); // Σ g² is added in the same order whatever the thread count
            for (int i = 0; i < normsOne.Length; i++)
            {
                // The norm pass sums in another order: the same value up to rounding.
                Assert.True(Math.Abs(normsOne[i] - normsSeparate[i]) <= 1e-12 * normsSeparate[i], $"{normsOne[i]} against {normsSeparate[i]}");
            }
        }
    }
}

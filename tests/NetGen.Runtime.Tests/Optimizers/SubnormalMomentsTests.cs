using System;
using System.Numerics;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests.Optimizers
{
    /// <summary>
    /// A parameter whose gradient stays 0 has its moments decay into subnormal numbers, where β · (the smallest subnormal)
    /// rounds back to itself: they would stay subnormal for good and make every later step many times slower. Adam,
    /// RMSProp and SGD with momentum flush them to zero instead.
    /// </summary>
    public class SubnormalMomentsTests
    {
        [Theory]
        [InlineData(1)]
        [InlineData(37)]
        [InlineData(1000)]
        public void Adam_moments_of_a_gradient_that_stays_zero_reach_zero_not_subnormals_in_float(int count) =>
            MomentsReachZero<float>(count, steps: 1200);

        [Theory]
        [InlineData(1)]
        [InlineData(37)]
        public void Adam_moments_of_a_gradient_that_stays_zero_reach_zero_not_subnormals_in_double(int count) =>
            MomentsReachZero<double>(count, steps: 8000);

        [Theory]
        [InlineData("rmsprop", 37)]
        [InlineData("momentum", 37)]
        [InlineData("nesterov", 1000)]
        public void Decaying_state_of_RMSProp_and_momentum_reaches_zero_not_subnormals(string kind, int count)
        {
            MomentsReachZero<float>(count, steps: 1200, () => Create<float>(kind));
            MomentsReachZero<double>(count, steps: 8000, () => Create<double>(kind));
        }

        [Fact]
        public void Adam_keeps_moments_that_are_small_but_normal()
        {
            var adam = new Adam<float>(learningRate: 0.001);
            float[] theta = [1f, 1f];
            adam.Step(theta, [1e-18f, 0f]);

            // (1 − β₁) · 1e-18 = 1e-19 and (1 − β₂) · 1e-36 = 1e-39 (subnormal): the first stays, the second is flushed.
            OptimizerState<float> state = adam.SaveState();
            Assert.Equal(1e-19f, Math.Abs(state.Buffers[0][0]), 1e-25f);
            Assert.Equal(0f, state.Buffers[1][0]);
        }

        private static IOptimizerState<T> Create<T>(string kind)
            where T : unmanaged, IFloatingPointIeee754<T> => kind switch
            {
                "rmsprop" => new RMSProp<T>(learningRate: 0.001),
                "momentum" => new Sgd<T>(learningRate: 0.01, momentum: 0.9),
                _ => new Sgd<T>(learningRate: 0.01, momentum: 0.9, nesterov: true),
            };

        private static void MomentsReachZero<T>(int count, int steps, Func<IOptimizerState<T>>? create = null)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            IOptimizerState<T> adam = create is null ? new Adam<T>(learningRate: 0.001) : create();
            var theta = new T[count];
            var gradients = new T[count];
            for (int i = 0; i < count; i++)
            {
                theta[i] = T.One;
                gradients[i] = T.CreateTruncating((i % 7) - 3.5) * T.CreateTruncating(1e-2);
            }

            adam.Step(theta, gradients);
            Array.Clear(gradients);
            for (int step = 0; step < steps; step++)
            {
                adam.Step(theta, gradients);
            }

            OptimizerState<T> state = adam.SaveState();
            Assert.NotEmpty(state.Buffers);
            foreach (T[] buffer in state.Buffers)
            {
                Assert.All(buffer, value => Assert.False(T.IsSubnormal(value), $"a moment is subnormal: {value}"));
            }

            // A decay of 0.9 per step (β₁, ρ, μ) brings the first buffer below the smallest normal long before the last step.
            Assert.All(state.Buffers[0], value => Assert.Equal(T.Zero, value));
            Assert.All(theta, value => Assert.True(T.IsFinite(value)));
        }
    }
}

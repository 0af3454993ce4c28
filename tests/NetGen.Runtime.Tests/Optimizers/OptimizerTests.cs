using System;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests.Optimizers
{
    /// <summary>Each optimizer against its formula, steps written out by hand (θ₀ = 1 unless stated).</summary>
    public class OptimizerTests
    {
        private const double Tolerance = 1e-12;

        private static double[] Run(IOptimizer<double> optimizer, double start, params double[] gradients)
        {
            double[] theta = { start };
            double[] trace = new double[gradients.Length];
            for (int t = 0; t < gradients.Length; t++)
            {
                optimizer.Step(theta, new[] { gradients[t] });
                trace[t] = theta[0];
            }

            return trace;
        }

        [Fact]
        public void Sgd_IsThetaMinusAlphaG()
        {
            // θ = [1, −2], g = [0.5, 0.25], α = 0.1: θ₁ = [0.95, −2.025], θ₂ = [0.9, −2.05].
            var sgd = new Sgd<double>(learningRate: 0.1);
            double[] theta = { 1, -2 };
            double[] g = { 0.5, 0.25 };
            sgd.Step(theta, g);
            Assert.Equal(new[] { 0.95, -2.025 }, theta, (a, b) => Math.Abs(a - b) < Tolerance);
            sgd.Step(theta, g);
            Assert.Equal(new[] { 0.9, -2.05 }, theta, (a, b) => Math.Abs(a - b) < Tolerance);
        }

        [Fact]
        public void Sgd_Momentum_AccumulatesVelocity()
        {
            // α = 0.1, μ = 0.9, g = 0.5:
            // v₁ = 0.5,               θ₁ = 1 − 0.05 = 0.95
            // v₂ = 0.45 + 0.5 = 0.95, θ₂ = 0.95 − 0.095 = 0.855
            // v₃ = 0.855 + 0.5 = 1.355, θ₃ = 0.855 − 0.1355 = 0.7195
            double[] trace = Run(new Sgd<double>(0.1, momentum: 0.9), 1, 0.5, 0.5, 0.5);
            Assert.Equal(0.95, trace[0], Tolerance);
            Assert.Equal(0.855, trace[1], Tolerance);
            Assert.Equal(0.7195, trace[2], Tolerance);
        }

        [Fact]
        public void Sgd_Nesterov_LooksAhead()
        {
            // α = 0.1, μ = 0.9, g = 0.5:
            // v₁ = 0.5,  θ₁ = 1 − 0.1·(0.5 + 0.45) = 0.905
            // v₂ = 0.95, θ₂ = 0.905 − 0.1·(0.5 + 0.855) = 0.7695
            double[] trace = Run(new Sgd<double>(0.1, momentum: 0.9, nesterov: true), 1, 0.5, 0.5);
            Assert.Equal(0.905, trace[0], Tolerance);
            Assert.Equal(0.7695, trace[1], Tolerance);
        }

        [Fact]
        public void Sgd_WeightDecay_AddsLambdaTheta()
        {
            // g' = g + λθ = 0.5 + 0.1·1 = 0.6, θ₁ = 1 − 0.1·0.6 = 0.94.
            double[] trace = Run(new Sgd<double>(0.1, weightDecay: 0.1), 1, 0.5);
            Assert.Equal(0.94, trace[0], Tolerance);
        }

        [Fact]
        public void AdaGrad_DividesBySqrtOfSummedSquares()
        {
            // α = 0.1: g₁ = 2: G = 4, θ₁ = 1 − 0.1·2/2 = 0.9; g₂ = 1: G = 5, θ₂ = 0.9 − 0.1/√5 = 0.85527864045…
            double[] trace = Run(new AdaGrad<double>(0.1), 1, 2, 1);
            Assert.Equal(0.9, trace[0], 1e-9);
            Assert.Equal(0.8552786404570042, trace[1], 1e-9);
        }

        [Fact]
        public void RMSProp_DividesByRunningRms()
        {
            // α = 0.01, ρ = 0.9: g₁ = 2: s = 0.4,  θ₁ = 1 − 0.01·2/√0.4 = 0.96837722…
            //                    g₂ = 1: s = 0.46, θ₂ = θ₁ − 0.01/√0.46 = 0.95363302…
            double[] trace = Run(new RMSProp<double>(0.01, rho: 0.9), 1, 2, 1);
            Assert.Equal(0.9683772238983162, trace[0], 1e-9);
            Assert.Equal(0.9536330285002177, trace[1], 1e-9);
        }

        [Fact]
        public void Adam_BiasCorrectedMoments()
        {
            // α = 0.1, β₁ = 0.9, β₂ = 0.999:
            // g₁ = 2:    m = 0.2,  v = 0.004,    m̂ = 2,        v̂ = 4,        θ₁ = 1 − 0.1·2/2 = 0.9
            // g₂ = 1:    m = 0.28, v = 0.004996, m̂ = 0.28/0.19, v̂ = 0.004996/0.001999, θ₂ = 0.80678203…
            // g₃ = −0.5: θ₃ = 0.75041590…
            double[] trace = Run(new Adam<double>(0.1), 1, 2, 1, -0.5);
            Assert.Equal(0.9000000005, trace[0], 1e-12);
            Assert.Equal(0.8067820372085103, trace[1], 1e-12);
            Assert.Equal(0.7504158999804385, trace[2], 1e-12);
        }

        [Fact]
        public void AdamW_DecaysBeforeTheAdamStep()
        {
            // λ = 0.1, α = 0.1: θ₁ = 1·(1 − 0.01) − 0.1·2/2 = 0.89; then as Adam on the decayed value.
            double[] trace = Run(new AdamW<double>(0.1, weightDecay: 0.1), 1, 2, 1, -0.5);
            Assert.Equal(0.8900000005, trace[0], 1e-12);
            Assert.Equal(0.7878820372035102, trace[1], 1e-12);
            Assert.Equal(0.7236370796034033, trace[2], 1e-12);
        }

        [Fact]
        public void AdamW_WithoutDecay_EqualsAdam()
        {
            double[] adam = Run(new Adam<double>(0.05), 1, 2, 1, -0.5, 3);
            double[] adamW = Run(new AdamW<double>(0.05, weightDecay: 0), 1, 2, 1, -0.5, 3);
            Assert.Equal(adam, adamW);
        }

        [Fact]
        public void Float_MatchesDouble()
        {
            var single = new Adam<float>(0.1);
            float[] theta = { 1f };
            single.Step(theta, new[] { 2f });
            single.Step(theta, new[] { 1f });
            Assert.Equal(0.8067820372085103, theta[0], 1e-6);
        }

        public static TheoryData<string> Names => new() { "sgd", "momentum", "adagrad", "rmsprop", "adam", "adamw" };

        private static Optimizer<double> Create(string name) => name switch
        {
            "sgd" => new Sgd<double>(0.1),
            "momentum" => new Sgd<double>(0.1, momentum: 0.9),
            "adagrad" => new AdaGrad<double>(0.1),
            "rmsprop" => new RMSProp<double>(0.1),
            "adam" => new Adam<double>(0.1),
            _ => new AdamW<double>(0.1),
        };

        [Theory]
        [MemberData(nameof(Names))]
        public void DifferentLengths_AreAClearArgumentException(string name)
        {
            Optimizer<double> optimizer = Create(name);
            var e = Assert.Throws<ArgumentException>(() => optimizer.Step(new double[3], new double[2]));
            Assert.Contains("3", e.Message);
            Assert.Contains("2", e.Message);

            optimizer.Step(new double[3], new double[3]);
            Assert.Equal(3, optimizer.ParameterCount);
            e = Assert.Throws<ArgumentException>(() => optimizer.Step(new double[4], new double[4]));
            Assert.Contains("sized for 3", e.Message);
            Assert.Contains("received 4", e.Message);
        }

        [Theory]
        [MemberData(nameof(Names))]
        public void Reset_StartsOver(string name)
        {
            Optimizer<double> optimizer = Create(name);
            double[] first = Run(optimizer, 1, 2, 1);
            optimizer.Reset();
            Assert.Equal(0, optimizer.StepCount);
            double[] again = Run(optimizer, 1, 2, 1);
            Assert.Equal(first, again);
        }

        [Theory]
        [MemberData(nameof(Names))]
        public void Step_AllocatesNothingAfterTheFirst(string name)
        {
            Optimizer<double> optimizer = Create(name);
            double[] theta = new double[1000];
            double[] gradient = new double[1000];
            Array.Fill(gradient, 0.5);
            optimizer.Step(theta, gradient);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                optimizer.Step(theta, gradient);
            }

            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }

        [Fact]
        public void FirstStep_SizesTheState_AndAnotherLengthLaterIsAClearError()
        {
            var adam = new Adam<double>(0.1);
            Assert.Equal(-1, adam.ParameterCount);
            adam.Step(new double[5], new double[5]);
            Assert.Equal(5, adam.ParameterCount);
            var error = Assert.Throws<ArgumentException>(() => adam.Step(new double[4], new double[4]));
            Assert.Contains("Adam was sized for 5 parameters by its first Step but received 4", error.Message);
            Assert.Equal(1, adam.StepCount);
        }

        [Fact]
        public void APositionalNumber_IsTheLearningRate()
        {
            // An int literal once picked a "parameter count" overload; the first argument is the learning rate everywhere.
            Assert.Equal(10, new Sgd<float>(10).LearningRate);
            Assert.Equal(3, new Adam<float>(3).LearningRate);
            Assert.Equal(2, new AdamW<float>(2).LearningRate);
            Assert.Equal(4, new RMSProp<float>(4).LearningRate);
            Assert.Equal(5, new AdaGrad<float>(5).LearningRate);
            Assert.Equal(0.01, new Sgd<float>(learningRate: 0.01).LearningRate);
            Assert.Equal(0.001, new Adam<float>(learningRate: 0.001).LearningRate);
        }

        [Fact]
        public void Reset_ClearSize_AcceptsANewLength()
        {
            var sgd = new Sgd<double>(0.1, momentum: 0.5);
            sgd.Step(new double[2], new double[2]);
            sgd.Reset(clearSize: true);
            sgd.Step(new double[7], new double[7]);
            Assert.Equal(7, sgd.ParameterCount);
        }

        [Fact]
        public void InvalidHyperparameters_Throw()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<double>(-0.1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<double>(0.1, momentum: 1));
            Assert.Throws<ArgumentException>(() => new Sgd<double>(0.1, nesterov: true));
            Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>(beta1: 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new RMSProp<double>(epsilon: 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<double>(weightDecay: -1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new AdaGrad<double>(double.NaN));
        }
    }
}

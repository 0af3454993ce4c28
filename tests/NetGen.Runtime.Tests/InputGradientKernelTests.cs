using System;
using System.Linq;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The kernel paths that <c>InputGradients</c> uses: an empty parameter gradient skips it and leaves the input gradient
    /// exactly as the full backward pass computes it, and BatchNorm's inference backward is dy·γ/√(σ² + ε).
    /// </summary>
    public class InputGradientKernelTests
    {
        private static double[] Normal(int length, int seed)
        {
            var random = new NetGenRandom(seed, 3);
            return Enumerable.Range(0, length).Select(_ => random.NextNormal()).ToArray();
        }

        [Theory]
        [InlineData(1, 3, 2)]
        [InlineData(5, 17, 9)]
        public void Linear_with_an_empty_weight_gradient_gives_the_same_input_gradient(int batch, int inputs, int outputs)
        {
            double[] x = Normal(batch * inputs, 1), w = Normal(outputs * inputs, 2), dy = Normal(batch * outputs, 3);
            var dw = new double[w.Length];
            var db = new double[outputs];
            var expected = new double[x.Length];
            Linear.Backward<double>(x, w, dy, dw, db, expected, batch, inputs, outputs);

            var dx = new double[x.Length];
            Linear.Backward<double>(x, w, dy, Span<double>.Empty, Span<double>.Empty, dx, batch, inputs, outputs);
            Assert.Equal(expected, dx);
            Assert.Throws<ArgumentException>(() => Linear.Backward<double>(x, w, dy, new double[w.Length - 1], Span<double>.Empty, dx, batch, inputs, outputs));
        }

        [Theory]
        [InlineData(1, 2, 5, 5, 3, 3, 1, 1)]
        [InlineData(6, 3, 9, 7, 4, 3, 2, 1)]
        [InlineData(40, 2, 12, 12, 8, 3, 1, 1)] // large enough to split over threads
        public void Conv2D_with_an_empty_kernel_gradient_gives_the_same_input_gradient(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
        {
            int ho = ((height + (2 * padding) - kernel) / stride) + 1, wo = ((width + (2 * padding) - kernel) / stride) + 1;
            double[] x = Normal(batch * channels * height * width, 4), w = Normal(filters * channels * kernel * kernel, 5), dy = Normal(batch * filters * ho * wo, 6);
            var workspace = new double[Conv2D.WorkspaceLength(channels, height, width, filters, kernel, stride, padding)];
            var expected = new double[x.Length];
            Conv2D.Backward<double>(x, w, dy, new double[w.Length], new double[filters], expected, workspace, batch, channels, height, width, filters, kernel, stride, padding);

            var dx = new double[x.Length];
            Conv2D.Backward<double>(x, w, dy, Span<double>.Empty, Span<double>.Empty, dx, workspace, batch, channels, height, width, filters, kernel, stride, padding);
            Assert.Equal(expected, dx);
        }

        [Fact]
        public void Conv1D_with_an_empty_kernel_gradient_gives_the_same_input_gradient()
        {
            const int batch = 3, channels = 2, length = 11, filters = 3, kernel = 3, stride = 2, padding = 1;
            int lo = ((length + (2 * padding) - kernel) / stride) + 1;
            double[] x = Normal(batch * channels * length, 7), w = Normal(filters * channels * kernel, 8), dy = Normal(batch * filters * lo, 9);
            var workspace = new double[Conv1D.WorkspaceLength(channels, length, filters, kernel, stride, padding)];
            var expected = new double[x.Length];
            Conv1D.Backward<double>(x, w, dy, new double[w.Length], new double[filters], expected, workspace, batch, channels, length, filters, kernel, stride, padding);

            var dx = new double[x.Length];
            Conv1D.Backward<double>(x, w, dy, Span<double>.Empty, Span<double>.Empty, dx, workspace, batch, channels, length, filters, kernel, stride, padding);
            Assert.Equal(expected, dx);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void PReLU_with_an_empty_alpha_gradient_gives_the_same_input_gradient(bool shared)
        {
            const int batch = 4, features = 7;
            double[] x = Normal(batch * features, 10), dy = Normal(batch * features, 11);
            double[] alpha = shared ? new[] { 0.3 } : Normal(features, 12);
            var expected = new double[x.Length];
            Activations.PReLUBackward<double>(x, alpha, dy, expected, new double[alpha.Length], batch, features);

            var dx = new double[x.Length];
            Activations.PReLUBackward<double>(x, alpha, dy, dx, Span<double>.Empty, batch, features);
            Assert.Equal(expected, dx);
        }

        [Fact]
        public void An_INetwork_that_does_not_implement_InputGradients_refuses_clearly()
        {
            INetwork<double> network = new Training.SoftmaxRegression<double>(3, 2);
            NotSupportedException labels = Assert.Throws<NotSupportedException>(() => network.InputGradients(new double[3], new[] { 1 }, new double[3]));
            Assert.Contains("SoftmaxRegression", labels.Message);
            Assert.Throws<NotSupportedException>(() => network.InputGradients(new double[3], new double[2], new double[3]));
        }

        [Theory]
        [InlineData(0, 3, 1)]
        [InlineData(2, 3, 1)]
        [InlineData(3, 4, 6)]
        public void BatchNorm_inference_backward_scales_by_gamma_over_the_running_deviation(int batch, int features, int spatial)
        {
            double[] gamma = Normal(features, 13), variance = Normal(features, 14).Select(v => (v * v) + 0.1).ToArray(), dy = Normal(batch * features * spatial, 15);
            var dx = new double[dy.Length];
            BatchNorm.BackwardInference<double>(gamma, variance, dy, dx, batch, features, spatial, 1e-5);

            for (int i = 0; i < dy.Length; i++)
            {
                int f = (i / spatial) % features;
                Assert.Equal(dy[i] * gamma[f] / Math.Sqrt(variance[f] + 1e-5), dx[i], 14);
            }

            Assert.Throws<ArgumentException>(() => BatchNorm.BackwardInference<double>(gamma, variance, dy, new double[dy.Length + 1], batch, features, spatial, 1e-5));
            Assert.Throws<ArgumentException>(() => BatchNorm.BackwardInference<double>(gamma.AsSpan(1), variance, dy, dx, batch, features, spatial, 1e-5));
        }
    }
}

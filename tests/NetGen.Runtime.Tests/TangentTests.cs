using System;
using System.Collections.Generic;
using System.Numerics;
using NetGen.Kernels;

namespace NetGen.Runtime.Tests
{
    /// <summary>
    /// The tangent kernels of forward-mode differentiation, in double: each tangent equals the central difference
    /// <c>(f(x + h·v) − f(x − h·v)) / 2h</c> of its forward kernel along the same direction, and, where a backward kernel
    /// exists, the dot-product identity <c>⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩</c> holds between the two.
    /// </summary>
    public sealed class TangentTests
    {
        private const double Step = 1e-5;
        private const double Agreement = 1e-7;

        /// <summary><c>(f(+h) − f(−h)) / 2h</c>, f evaluated at the point moved by t along the direction.</summary>
        private static double[] CentralDifference(Func<double, double[]> f, double h = Step)
        {
            double[] plus = f(h), minus = f(-h);
            var result = new double[plus.Length];
            for (int i = 0; i < plus.Length; i++)
            {
                result[i] = (plus[i] - minus[i]) / (2 * h);
            }

            return result;
        }

        private static double[] Moved(double[] x, double[] direction, double t)
        {
            var result = new double[x.Length];
            for (int i = 0; i < x.Length; i++)
            {
                result[i] = x[i] + (t * direction[i]);
            }

            return result;
        }

        public static IEnumerable<object[]> BatchNormShapes()
        {
            // spatial 1 with many features takes the vectorized row path of the forward kernels; spatial > 1 is a convolution's.
            int[][] shapes = [[1, 1, 1], [4, 3, 1], [9, 8, 1], [16, 17, 1], [4, 3, 5], [3, 2, 9], [2, 4, 15]];
            foreach (int[] shape in shapes)
            {
                yield return [shape[0], shape[1], shape[2]];
            }
        }

        [Theory]
        [MemberData(nameof(BatchNormShapes))]
        public void BatchNorm_inference_tangent_is_the_derivative_of_ForwardInference(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] x = TestMath.Uniform(length, 1, -3, 5), dx = TestMath.Uniform(length, 2);
            double[] gamma = TestMath.Uniform(features, 3, 0.5, 2), dgamma = TestMath.Uniform(features, 4);
            double[] beta = TestMath.Uniform(features, 5), dbeta = TestMath.Uniform(features, 6);
            double[] mean = TestMath.Uniform(features, 7), variance = TestMath.Uniform(features, 8, 0.5, 2);
            const double epsilon = 1e-5;

            double[] expected = CentralDifference(t =>
            {
                var y = new double[length];
                BatchNorm.ForwardInference<double>(Moved(x, dx, t), Moved(gamma, dgamma, t), Moved(beta, dbeta, t), mean, variance, y, batch, features, spatial, epsilon);
                return y;
            });

            double[] tangent = TestMath.Garbage<double>(length);
            BatchNorm.TangentInference<double>(x, dx, gamma, dgamma, dbeta, mean, variance, tangent, batch, features, spatial, epsilon);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "ẏ");

            // Empty tangents are zero: only ẋ, then only the parameters.
            double[] inputOnly = TestMath.Garbage<double>(length), parametersOnly = TestMath.Garbage<double>(length);
            BatchNorm.TangentInference<double>(x, dx, gamma, ReadOnlySpan<double>.Empty, ReadOnlySpan<double>.Empty, mean, variance, inputOnly, batch, features, spatial, epsilon);
            BatchNorm.TangentInference<double>(x, ReadOnlySpan<double>.Empty, gamma, dgamma, dbeta, mean, variance, parametersOnly, batch, features, spatial, epsilon);
            var sum = new double[length];
            for (int i = 0; i < length; i++)
            {
                sum[i] = inputOnly[i] + parametersOnly[i];
            }

            TestMath.AllClose(tangent, sum.AsSpan(), 1e-13, "ẏ(ẋ) + ẏ(γ̇, β̇)");
        }

        [Theory]
        [MemberData(nameof(BatchNormShapes))]
        public void BatchNorm_training_tangent_is_the_derivative_of_ForwardTraining_with_batch_statistics(int batch, int features, int spatial)
        {
            int length = batch * features * spatial;
            double[] x = TestMath.Uniform(length, 11, -3, 5), dx = TestMath.Uniform(length, 12);
            double[] gamma = TestMath.Uniform(features, 13, 0.5, 2), dgamma = TestMath.Uniform(features, 14);
            double[] beta = TestMath.Uniform(features, 15), dbeta = TestMath.Uniform(features, 16);
            const double epsilon = 1e-3; // a batch of one has σ² = 0: ε keeps the derivative tame for the differences

            (double[] Y, double[] XHat, double[] InverseStd) Forward(double[] input, double[] g, double[] b)
            {
                double[] y = new double[length], xHat = new double[length], inverseStd = new double[features];
                double[] runningMean = new double[features], runningVariance = new double[features]; // fresh: not part of f
                BatchNorm.ForwardTraining<double>(input, g, b, runningMean, runningVariance, xHat, inverseStd, y, batch, features, spatial, 0.9, epsilon);
                return (y, xHat, inverseStd);
            }

            double[] expected = CentralDifference(t => Forward(Moved(x, dx, t), Moved(gamma, dgamma, t), Moved(beta, dbeta, t)).Y);
            (_, double[] xHat, double[] invStd) = Forward(x, gamma, beta);

            double[] tangent = TestMath.Garbage<double>(length);
            BatchNorm.TangentTraining<double>(xHat, invStd, dx, gamma, dgamma, dbeta, tangent, batch, features, spatial);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "ẏ");

            // ⟨u, ẏ⟩ = ⟨dx, ẋ⟩ + ⟨dγ, γ̇⟩ + ⟨dβ, β̇⟩ with Backward's gradients for the output weights u.
            double[] u = TestMath.Uniform(length, 17);
            double[] gradX = new double[length], gradGamma = new double[features], gradBeta = new double[features];
            BatchNorm.Backward<double>(xHat, invStd, gamma, u, gradGamma, gradBeta, gradX, batch, features, spatial);
            double forward = TestMath.Dot(u, tangent);
            double reverse = TestMath.Dot(gradX, dx) + TestMath.Dot(gradGamma, dgamma) + TestMath.Dot(gradBeta, dbeta);
            TestMath.Close(forward, reverse, 1e-11, "⟨u, J·v⟩ vs ⟨Jᵀ·u, v⟩");

            // The tangent may overwrite ẋ in place.
            double[] inPlace = (double[])dx.Clone();
            BatchNorm.TangentTraining<double>(xHat, invStd, inPlace, gamma, dgamma, dbeta, inPlace, batch, features, spatial);
            Assert.Equal(tangent, inPlace);
        }

        [Theory]
        [InlineData(3, 5, false)]
        [InlineData(3, 5, true)]
        [InlineData(1, 1, false)]
        [InlineData(4, 17, false)]
        public void PReLU_tangent_is_the_derivative_and_the_transpose_of_PReLUBackward(int batch, int features, bool shared)
        {
            int length = batch * features;
            double[] x = TestMath.AwayFromZero(length, 21), dx = TestMath.Uniform(length, 22);
            double[] alpha = TestMath.Uniform(shared ? 1 : features, 23, 0.05, 0.5), dalpha = TestMath.Uniform(alpha.Length, 24);

            double[] expected = CentralDifference(t =>
            {
                var y = new double[length];
                Activations.PReLU<double>(Moved(x, dx, t), Moved(alpha, dalpha, t), y, batch, features);
                return y;
            });

            double[] tangent = TestMath.Garbage<double>(length);
            Activations.PReLUTangent<double>(x, alpha, dx, dalpha, tangent, batch, features);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "ẏ");

            double[] u = TestMath.Uniform(length, 25);
            double[] gradX = new double[length], gradAlpha = new double[alpha.Length];
            Activations.PReLUBackward<double>(x, alpha, u, gradX, gradAlpha, batch, features);
            TestMath.Close(TestMath.Dot(u, tangent), TestMath.Dot(gradX, dx) + TestMath.Dot(gradAlpha, dalpha), 1e-12, "⟨u, J·v⟩ vs ⟨Jᵀ·u, v⟩");

            double[] withoutAlpha = TestMath.Garbage<double>(length);
            Activations.PReLUTangent<double>(x, alpha, dx, ReadOnlySpan<double>.Empty, withoutAlpha, batch, features);
            double[] expectedWithoutAlpha = new double[length];
            for (int i = 0; i < length; i++)
            {
                expectedWithoutAlpha[i] = x[i] > 0 ? dx[i] : alpha[shared ? 0 : i % features] * dx[i];
            }

            TestMath.AllClose(expectedWithoutAlpha, withoutAlpha.AsSpan(), 1e-15, "ẏ without α̇");
        }

        [Theory]
        [InlineData(3, 4, 2)]
        [InlineData(2, 3, 3)]
        [InlineData(1, 1, 1)]
        [InlineData(5, 9, 4)]
        public void Maxout_tangent_is_the_derivative_and_the_transpose_of_MaxoutBackward(int batch, int units, int pieces)
        {
            int length = batch * units * pieces;
            double[] z = TestMath.Uniform(length, 31), dz = TestMath.Uniform(length, 32);
            double[] expected = CentralDifference(t =>
            {
                var y = new double[batch * units];
                Activations.Maxout<double>(Moved(z, dz, t), y, batch, units, pieces);
                return y;
            });

            double[] tangent = TestMath.Garbage<double>(batch * units);
            Activations.MaxoutTangent<double>(z, dz, tangent, batch, units, pieces);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "ẏ");

            double[] u = TestMath.Uniform(batch * units, 33), gradZ = new double[length];
            Activations.MaxoutBackward<double>(z, u, gradZ, batch, units, pieces);
            TestMath.Close(TestMath.Dot(u, tangent), TestMath.Dot(gradZ, dz), 1e-13, "⟨u, J·v⟩ vs ⟨Jᵀ·u, v⟩");
        }

        [Theory]
        [InlineData(2, 3, 4, 6, 2, 2)]
        [InlineData(1, 2, 5, 5, 3, 1)]
        [InlineData(2, 1, 7, 9, 3, 2)]
        [InlineData(1, 1, 1, 1, 1, 1)]
        public void MaxPool_tangent_gathers_at_the_recorded_argmax(int batch, int channels, int height, int width, int size, int stride)
        {
            int length = batch * channels * height * width;
            int outputs = batch * channels * MaxPool2D.OutputSize(height, size, stride) * MaxPool2D.OutputSize(width, size, stride);
            double[] x = TestMath.Uniform(length, 41), dx = TestMath.Uniform(length, 42);
            double[] expected = CentralDifference(t =>
            {
                var y = new double[outputs];
                MaxPool2D.Forward<double>(Moved(x, dx, t), y, Span<int>.Empty, batch, channels, height, width, size, stride);
                return y;
            });

            int[] argmax = new int[outputs];
            MaxPool2D.Forward<double>(x, new double[outputs], argmax, batch, channels, height, width, size, stride);
            double[] tangent = TestMath.Garbage<double>(outputs);
            MaxPool2D.Tangent<double>(argmax, dx, tangent, batch, channels, height, width, size, stride);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "ẏ");

            double[] u = TestMath.Uniform(outputs, 43), gradX = new double[length];
            MaxPool2D.Backward<double>(argmax, u, gradX, batch, channels, height, width, size, stride);
            TestMath.Close(TestMath.Dot(u, tangent), TestMath.Dot(gradX, dx), 1e-13, "⟨u, J·v⟩ vs ⟨Jᵀ·u, v⟩");

            // The same in one dimension, each row of the image a sequence.
            int sequenceOutputs = batch * channels * height * MaxPool1D.OutputLength(width, size, stride);
            int[] argmax1 = new int[sequenceOutputs];
            MaxPool1D.Forward<double>(x, new double[sequenceOutputs], argmax1, batch, channels * height, width, size, stride);
            double[] expected1 = CentralDifference(t =>
            {
                var y = new double[sequenceOutputs];
                MaxPool1D.Forward<double>(Moved(x, dx, t), y, Span<int>.Empty, batch, channels * height, width, size, stride);
                return y;
            });
            double[] tangent1 = TestMath.Garbage<double>(sequenceOutputs);
            MaxPool1D.Tangent<double>(argmax1, dx, tangent1, batch, channels * height, width, size, stride);
            TestMath.AllClose(expected1, tangent1.AsSpan(), Agreement, "ẏ (1-D)");
        }

        [Fact]
        public void MaxPool_tangent_refuses_foreign_indexes_before_writing()
        {
            double[] tangent = [7, 7, 7, 7];
            var error = Assert.Throws<ArgumentException>(() => MaxPool2D.Tangent<double>(new[] { 0, 1, 2, 16 }, new double[16], tangent, 1, 1, 4, 4, 2, 2));
            Assert.Equal("argmax", error.ParamName);
            Assert.Equal(new double[] { 7, 7, 7, 7 }, tangent);
        }

        [Theory]
        [InlineData(2, 3, 6, 5, 4, 3, 1, 1)]
        [InlineData(1, 2, 5, 5, 3, 1, 1, 0)] // pointwise 1×1: the input itself is the patch matrix
        [InlineData(3, 1, 7, 7, 2, 3, 2, 2)]
        public void Conv2D_tangent_is_Forward_on_the_input_tangent_plus_AddForward_on_the_weight_tangent(int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
        {
            int ho = Conv2D.OutputSize(height, kernel, stride, padding), wo = Conv2D.OutputSize(width, kernel, stride, padding);
            int length = batch * channels * height * width, outputs = batch * filters * ho * wo, weights = filters * channels * kernel * kernel;
            double[] x = TestMath.Uniform(length, 51), dx = TestMath.Uniform(length, 52);
            double[] w = TestMath.Uniform(weights, 53), dw = TestMath.Uniform(weights, 54);
            double[] b = TestMath.Uniform(filters, 55), db = TestMath.Uniform(filters, 56);
            double[] workspace = new double[Conv2D.WorkspaceLength(channels, height, width, filters, kernel, stride, padding)];

            double[] expected = CentralDifference(t =>
            {
                var y = new double[outputs];
                Conv2D.Forward<double>(Moved(x, dx, t), Moved(w, dw, t), Moved(b, db, t), y, workspace, batch, channels, height, width, filters, kernel, stride, padding);
                return y;
            });

            // Ẏ = W ⊛ Ẋ + ḃ, then Ẏ += Ẇ ⊛ X
            double[] tangent = TestMath.Garbage<double>(outputs);
            Conv2D.Forward<double>(dx, w, db, tangent, workspace, batch, channels, height, width, filters, kernel, stride, padding);
            Conv2D.AddForward<double>(x, dw, tangent, workspace, batch, channels, height, width, filters, kernel, stride, padding);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "Ẏ");

            // AddForward adds exactly the bias-free forward pass.
            double[] start = TestMath.Uniform(outputs, 57), added = (double[])start.Clone(), product = new double[outputs];
            Conv2D.AddForward<double>(x, w, added, workspace, batch, channels, height, width, filters, kernel, stride, padding);
            Conv2D.Forward<double>(x, w, ReadOnlySpan<double>.Empty, product, workspace, batch, channels, height, width, filters, kernel, stride, padding);
            for (int i = 0; i < outputs; i++)
            {
                Assert.Equal(start[i] + product[i], added[i], 12);
            }
        }

        [Theory]
        [InlineData(2, 3, 9, 4, 3, 1, 1)]
        [InlineData(1, 1, 5, 2, 1, 1, 0)]
        [InlineData(3, 2, 11, 3, 4, 2, 2)]
        public void Conv1D_tangent_is_Forward_on_the_input_tangent_plus_AddForward_on_the_weight_tangent(int batch, int channels, int length, int filters, int kernel, int stride, int padding)
        {
            int lo = Conv1D.OutputLength(length, kernel, stride, padding);
            int inputs = batch * channels * length, outputs = batch * filters * lo, weights = filters * channels * kernel;
            double[] x = TestMath.Uniform(inputs, 61), dx = TestMath.Uniform(inputs, 62);
            double[] w = TestMath.Uniform(weights, 63), dw = TestMath.Uniform(weights, 64);
            double[] b = TestMath.Uniform(filters, 65), db = TestMath.Uniform(filters, 66);
            double[] workspace = new double[Conv1D.WorkspaceLength(channels, length, filters, kernel, stride, padding)];

            double[] expected = CentralDifference(t =>
            {
                var y = new double[outputs];
                Conv1D.Forward<double>(Moved(x, dx, t), Moved(w, dw, t), Moved(b, db, t), y, workspace, batch, channels, length, filters, kernel, stride, padding);
                return y;
            });

            double[] tangent = TestMath.Garbage<double>(outputs);
            Conv1D.Forward<double>(dx, w, db, tangent, workspace, batch, channels, length, filters, kernel, stride, padding);
            Conv1D.AddForward<double>(x, dw, tangent, workspace, batch, channels, length, filters, kernel, stride, padding);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "Ẏ");
        }

        [Theory]
        [InlineData(3, 4, 5)]
        [InlineData(1, 1, 1)]
        [InlineData(17, 33, 9)]
        public void Dense_tangent_is_Forward_on_the_input_tangent_plus_AddForward_on_the_weight_tangent(int batch, int inputs, int outputs)
        {
            double[] x = TestMath.Uniform(batch * inputs, 71), dx = TestMath.Uniform(batch * inputs, 72);
            double[] w = TestMath.Uniform(outputs * inputs, 73), dw = TestMath.Uniform(outputs * inputs, 74);
            double[] b = TestMath.Uniform(outputs, 75), db = TestMath.Uniform(outputs, 76);
            double[] expected = CentralDifference(t =>
            {
                var y = new double[batch * outputs];
                Linear.Forward<double>(Moved(x, dx, t), Moved(w, dw, t), Moved(b, db, t), y, batch, inputs, outputs);
                return y;
            });

            // Ż = Ẋ · Wᵀ + ḃ, then Ż += X · Ẇᵀ
            double[] tangent = TestMath.Garbage<double>(batch * outputs);
            Linear.Forward<double>(dx, w, db, tangent, batch, inputs, outputs);
            Linear.AddForward<double>(x, dw, tangent, batch, inputs, outputs);
            TestMath.AllClose(expected, tangent.AsSpan(), Agreement, "Ż");
        }

        [Fact]
        public void Regularization_tangent_is_the_derivative_of_the_penalty_and_the_dot_product_with_its_gradient()
        {
            double[] w = TestMath.AwayFromZero(37, 81), dw = TestMath.Uniform(37, 82);
            const double l1 = 0.003, l2 = 0.02;
            double[] expected = CentralDifference(t => [Regularization.Penalty<double>(Moved(w, dw, t), l1, l2)]);

            double tangent = Regularization.Tangent<double>(w, dw, l1, l2);
            TestMath.Close(expected[0], tangent, Agreement, "J̇");

            var gradient = new double[w.Length];
            Regularization.Apply<double>(w, gradient, l1, l2);
            TestMath.Close(TestMath.Dot(gradient, dw), tangent, 1e-14, "⟨dw, ẇ⟩");

            Assert.Equal(0, Regularization.Tangent<double>(w, ReadOnlySpan<double>.Empty, l1, l2));
            Assert.Equal(0, Regularization.Tangent<double>(w, dw, 0, 0));
            Assert.Throws<ArgumentException>(() => Regularization.Tangent<double>(w, new double[3], l1, l2));
        }

        [Fact]
        public void Existing_kernels_are_the_tangents_of_activations_dropout_and_average_pooling()
        {
            // What the generator calls for these layers' tangents: the backward kernels with dy = ẋ (their Jacobians are
            // diagonal, and Softmax's is symmetric), the dropout mask multiply, and average pooling's own forward pass.
            const int batch = 3, features = 7, length = batch * features;
            double[] x = TestMath.AwayFromZero(length, 91), dx = TestMath.Uniform(length, 92);
            void Check(string name, Action<double[], double[]> forward, Action<double[], double[]> tangent)
            {
                double[] expected = CentralDifference(t =>
                {
                    var y = new double[length];
                    forward(Moved(x, dx, t), y);
                    return y;
                });
                double[] actual = TestMath.Garbage<double>(length);
                tangent(dx, actual);
                TestMath.AllClose(expected, actual.AsSpan(), Agreement, name);
            }

            double[] y0 = new double[length];
            Check("ReLU", (input, y) => Activations.ReLU<double>(input, y), (v, t) => Activations.ReLUBackward<double>(x, v, t));
            Check("LeakyReLU", (input, y) => Activations.LeakyReLU<double>(input, y, 0.1), (v, t) => Activations.LeakyReLUBackward<double>(x, v, t, 0.1));
            Activations.ELU<double>(x, y0, 1.5);
            Check("ELU", (input, y) => Activations.ELU<double>(input, y, 1.5), (v, t) => Activations.ELUBackward<double>(x, y0, v, t, 1.5));
            Activations.Sigmoid<double>(x, y0);
            Check("Sigmoid", (input, y) => Activations.Sigmoid<double>(input, y), (v, t) => Activations.SigmoidBackward<double>(y0, v, t));
            Activations.Tanh<double>(x, y0);
            Check("Tanh", (input, y) => Activations.Tanh<double>(input, y), (v, t) => Activations.TanhBackward<double>(y0, v, t));
            Activations.Softmax<double>(x, y0, batch, features);
            Check("Softmax", (input, y) => Activations.Softmax<double>(input, y, batch, features), (v, t) => Activations.SoftmaxBackward<double>(y0, v, t, batch, features));

            double[] mask = new double[length];
            Dropout.ForwardTraining<double>(x, mask, new double[length], 0.3, new NetGenRandom(5));
            Check("Dropout", (input, y) => Dropout.Backward<double>(mask, input, y), (v, t) => Dropout.Backward<double>(mask, v, t));

            // Average pooling is linear: AvgPool(x + h·v) = AvgPool(x) + h·AvgPool(v). Here one sequence of 7 per sample,
            // windows of 2, stride 1, padding 1.
            int pooled = batch * AvgPool1D.OutputLength(features, 2, 1, 1);
            double[] expectedPool = CentralDifference(t =>
            {
                var y = new double[pooled];
                AvgPool1D.Forward<double>(Moved(x, dx, t), y, batch, 1, features, 2, 1, 1);
                return y;
            });
            double[] poolTangent = new double[pooled];
            AvgPool1D.Forward<double>(dx, poolTangent, batch, 1, features, 2, 1, 1);
            TestMath.AllClose(expectedPool, poolTangent.AsSpan(), Agreement, "AvgPool1D");
        }

        [Fact]
        public void A_loss_derivative_along_the_output_tangent_is_its_gradient_dotted_with_the_tangent()
        {
            // J̇ = ⟨∂J/∂z, ż⟩: the loss kernels' gradients (1/B included) make the loss's tangent a dot product. The fused
            // losses take the logits' tangent.
            const int batch = 4, classes = 5, length = batch * classes;
            double[] z = TestMath.Uniform(length, 101), dz = TestMath.Uniform(length, 102);
            double[] targets = new double[length], binary = TestMath.Uniform(length, 103, 0, 1);
            Losses.LabelsToTargets<double>(new[] { 1, 4, 0, 2 }, targets, classes);
            double Derivative(Func<double[], double[], double> loss)
            {
                var gradient = new double[length];
                loss(z, gradient);
                return TestMath.Dot(gradient, dz);
            }

            double Difference(Func<double[], double[], double> loss) =>
                CentralDifference(t => [loss(Moved(z, dz, t), Array.Empty<double>())])[0];

            double Mse(double[] y, double[] dy) => Losses.MeanSquaredError<double>(y, targets, dy, batch, classes);
            double Binary(double[] logits, double[] dLogits)
            {
                var p = new double[length];
                Activations.Sigmoid<double>(logits, p);
                return Losses.BinaryCrossEntropyWithLogits<double>(logits, p, binary, dLogits, batch, classes);
            }

            double CrossEntropy(double[] logits, double[] dLogits)
            {
                var p = new double[length];
                Activations.Softmax<double>(logits, p, batch, classes);
                return Losses.SoftmaxCrossEntropy<double>(logits, p, targets, dLogits, batch, classes);
            }

            double Hinge(double[] scores, double[] dScores) => Losses.MulticlassHinge<double>(scores, targets, dScores, batch, classes);

            foreach ((string name, Func<double[], double[], double> loss) in new (string, Func<double[], double[], double>)[] { ("MSE", Mse), ("BCE", Binary), ("softmax CE", CrossEntropy), ("hinge", Hinge) })
            {
                TestMath.Close(Difference(loss), Derivative(loss), Agreement, name);
            }
        }

        [Fact]
        public void Float_tangents_agree_with_double_ones()
        {
            // The kernels are generic; a float network calls the same code. Inputs rounded to float, so both see the same values.
            const int batch = 5, features = 9, spatial = 4, length = batch * features * spatial;
            double[] x = TestMath.Rounded<float>(TestMath.Uniform(length, 111, -3, 5)), dx = TestMath.Rounded<float>(TestMath.Uniform(length, 112));
            double[] gamma = TestMath.Rounded<float>(TestMath.Uniform(features, 113, 0.5, 2)), dgamma = TestMath.Rounded<float>(TestMath.Uniform(features, 114));
            double[] dbeta = TestMath.Rounded<float>(TestMath.Uniform(features, 115));
            double[] mean = TestMath.Rounded<float>(TestMath.Uniform(features, 116)), variance = TestMath.Rounded<float>(TestMath.Uniform(features, 117, 0.5, 2));
            const double tolerance = 1e-5;

            double[] expected = new double[length];
            float[] actual = new float[length];
            BatchNorm.TangentInference<double>(x, dx, gamma, dgamma, dbeta, mean, variance, expected, batch, features, spatial, 1e-5);
            BatchNorm.TangentInference<float>(TestMath.To<float>(x), TestMath.To<float>(dx), TestMath.To<float>(gamma), TestMath.To<float>(dgamma), TestMath.To<float>(dbeta), TestMath.To<float>(mean), TestMath.To<float>(variance), actual, batch, features, spatial, 1e-5f);
            TestMath.AllClose(expected, actual, tolerance, "BatchNorm inference ẏ");

            double[] xHat = new double[length], invStd = new double[features];
            BatchNorm.ForwardTraining<double>(x, gamma, dbeta, new double[features], new double[features], xHat, invStd, new double[length], batch, features, spatial, 0.9, 1e-5);
            double[] roundedXHat = TestMath.Rounded<float>(xHat), roundedInvStd = TestMath.Rounded<float>(invStd);
            BatchNorm.TangentTraining<double>(roundedXHat, roundedInvStd, dx, gamma, dgamma, dbeta, expected, batch, features, spatial);
            BatchNorm.TangentTraining<float>(TestMath.To<float>(roundedXHat), TestMath.To<float>(roundedInvStd), TestMath.To<float>(dx), TestMath.To<float>(gamma), TestMath.To<float>(dgamma), TestMath.To<float>(dbeta), actual, batch, features, spatial);
            TestMath.AllClose(expected, actual, tolerance, "BatchNorm training ẏ");

            double[] alpha = TestMath.Rounded<float>(TestMath.Uniform(features * spatial, 118, 0.05, 0.5)), dalpha = TestMath.Rounded<float>(TestMath.Uniform(features * spatial, 119));
            Activations.PReLUTangent<double>(x, alpha, dx, dalpha, expected, batch, features * spatial);
            Activations.PReLUTangent<float>(TestMath.To<float>(x), TestMath.To<float>(alpha), TestMath.To<float>(dx), TestMath.To<float>(dalpha), actual, batch, features * spatial);
            TestMath.AllClose(expected, actual, tolerance, "PReLU ẏ");

            int units = features * spatial / 3;
            double[] maxout = new double[batch * units];
            float[] maxoutSingle = new float[batch * units];
            Activations.MaxoutTangent<double>(x, dx, maxout, batch, units, 3);
            Activations.MaxoutTangent<float>(TestMath.To<float>(x), TestMath.To<float>(dx), maxoutSingle, batch, units, 3);
            TestMath.AllClose(maxout, maxoutSingle, 0, "Maxout ẏ");

            double[] w = TestMath.Rounded<float>(TestMath.Uniform(3 * features * 4, 120)), y = new double[batch * 3];
            float[] ySingle = new float[batch * 3];
            Array.Fill(y, 0.5);
            Array.Fill(ySingle, 0.5f);
            Conv1D.AddForward<double>(x, w, y, new double[Conv1D.WorkspaceLength(features, spatial, 3, 4, 1, 0)], batch, features, spatial, 3, 4, 1, 0);
            Conv1D.AddForward<float>(TestMath.To<float>(x), TestMath.To<float>(w), ySingle, new float[Conv1D.WorkspaceLength(features, spatial, 3, 4, 1, 0)], batch, features, spatial, 3, 4, 1, 0);
            TestMath.AllClose(y, ySingle, tolerance * 10, "Conv1D.AddForward");
            Array.Fill(y, 0.5);
            Array.Fill(ySingle, 0.5f);
            Linear.AddForward<double>(x, w, y, batch, features * spatial, 3);
            Linear.AddForward<float>(TestMath.To<float>(x), TestMath.To<float>(w), ySingle, batch, features * spatial, 3);
            TestMath.AllClose(y, ySingle, tolerance * 10, "Linear.AddForward");

            TestMath.Close(Regularization.Tangent<double>(x, dx, 0.01, 0.1), Regularization.Tangent<float>(TestMath.To<float>(x), TestMath.To<float>(dx), 0.01f, 0.1f), tolerance, "Regularization J̇");
        }

        [Fact]
        public void Tangent_kernels_reject_wrong_lengths()
        {
            var xTangent = Assert.Throws<ArgumentException>(() => BatchNorm.TangentInference<double>(new double[6], new double[5], new double[3], default, default, new double[3], new double[3], new double[6], 2, 3, 1, 1e-5));
            Assert.Equal("xTangent", xTangent.ParamName);
            var gammaTangent = Assert.Throws<ArgumentException>(() => BatchNorm.TangentTraining<double>(new double[6], new double[3], new double[6], new double[3], new double[2], default, new double[6], 2, 3, 1));
            Assert.Equal("gammaTangent", gammaTangent.ParamName);
            var alphaTangent = Assert.Throws<ArgumentException>(() => Activations.PReLUTangent<double>(new double[6], new double[3], new double[6], new double[1], new double[6], 2, 3));
            Assert.Equal("alphaTangent", alphaTangent.ParamName);
            var zTangent = Assert.Throws<ArgumentException>(() => Activations.MaxoutTangent<double>(new double[8], new double[7], new double[4], 2, 2, 2));
            Assert.Equal("zTangent", zTangent.ParamName);
            var y = Assert.Throws<ArgumentException>(() => Linear.AddForward<double>(new double[6], new double[6], new double[5], 2, 3, 2));
            Assert.Equal("y", y.ParamName);
        }

        [Fact]
        public void Tangent_kernels_allocate_nothing()
        {
            const int batch = 4, features = 8, spatial = 9;
            double[] x = new double[batch * features * spatial], dx = new double[x.Length], dy = new double[x.Length];
            double[] perFeature = new double[features];
            Array.Fill(perFeature, 1.0);
            int[] argmax = new int[batch * features * 2 * 2];
            double[] pooled = new double[argmax.Length];
            double[] w = new double[3 * features * 2 * 2], ws = new double[Conv2D.WorkspaceLength(features, 3, 3, 3, 2, 1, 0)], conv = new double[batch * 3 * 2 * 2];
            double[] dense = new double[batch * 3], denseWeights = new double[3 * features * spatial];
            float[] single = new float[x.Length], singleTangent = new float[x.Length], singleFeature = new float[features];
            TestMath.AssertNoAllocation(() =>
            {
                BatchNorm.TangentInference<double>(x, dx, perFeature, perFeature, perFeature, perFeature, perFeature, dy, batch, features, spatial, 1e-5);
                BatchNorm.TangentTraining<double>(x, perFeature, dx, perFeature, perFeature, perFeature, dy, batch, features, spatial);
                BatchNorm.TangentTraining<float>(single, singleFeature, singleTangent, singleFeature, singleFeature, singleFeature, single, batch, features, spatial);
                Activations.PReLUTangent<double>(x, perFeature, dx, perFeature, dy, batch * spatial, features);
                Activations.MaxoutTangent<double>(x, dx, dy.AsSpan(0, x.Length / 3), batch, features * spatial / 3, 3);
                MaxPool2D.Tangent<double>(argmax, dx, pooled, batch, features, 3, 3, 2, 1);
                Conv2D.AddForward<double>(x, w, conv, ws, batch, features, 3, 3, 3, 2, 1, 0);
                Linear.AddForward<double>(x, denseWeights, dense, batch, features * spatial, 3);
                Regularization.Tangent<double>(x, dx, 0.1, 0.1);
            });
        }
    }
}

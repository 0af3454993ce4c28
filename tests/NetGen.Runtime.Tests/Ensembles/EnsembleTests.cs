using System;
using NetGen.Data;
using NetGen.Ensembles;
using NetGen.Runtime.Tests.Training;

namespace NetGen.Runtime.Tests.Ensembles
{
    public class EnsembleTests
    {
        private static SoftmaxRegression<double> WithBias(double b0, double b1)
        {
            var network = new SoftmaxRegression<double>(2, 2);
            network.Layers[0].Biases[0] = b0;
            network.Layers[0].Biases[1] = b1;
            return network;
        }

        [Fact]
        public void Predict_AveragesTheMembers()
        {
            // Zero weights: outputs are softmax(b), the same for every sample.
            var a = WithBias(0, 0);          // (0.5, 0.5)
            var b = WithBias(Math.Log(3), 0); // (0.75, 0.25)
            var ensemble = new Ensemble<double>(a, b);
            double[] outputs = new double[4];
            ensemble.Predict(new double[] { 1, 2, 3, 4 }, outputs);
            Assert.Equal(new[] { 0.625, 0.375, 0.625, 0.375 }, outputs, (x, y) => Math.Abs(x - y) < 1e-12);
        }

        [Fact]
        public void Weights_AreNormalized()
        {
            var ensemble = new Ensemble<double>(new[] { WithBias(0, 0), WithBias(Math.Log(3), 0) }, new[] { 1.0, 3.0 });
            Assert.Equal(new[] { 0.25, 0.75 }, ensemble.Weights);
            double[] outputs = new double[2];
            ensemble.Predict(new double[] { 1, 2 }, outputs);
            Assert.Equal(0.25 * 0.5 + 0.75 * 0.75, outputs[0], 1e-12);
        }

        [Fact]
        public void MismatchedMembers_AreRejected()
        {
            var e = Assert.Throws<ArgumentException>(() => new Ensemble<double>(new SoftmaxRegression<double>(2, 2), new SoftmaxRegression<double>(3, 2)));
            Assert.Contains("Member 1 maps 3 → 2", e.Message);
            Assert.Throws<ArgumentException>(() => new Ensemble<double>(Array.Empty<NetGen.INetwork<double>>()));
        }

        [Fact]
        public void WrongBufferSizes_AreRejected()
        {
            var ensemble = new Ensemble<double>(WithBias(0, 0));
            Assert.Throws<ArgumentException>(() => ensemble.Predict(new double[3], new double[2]));
            Assert.Throws<ArgumentException>(() => ensemble.Predict(new double[4], new double[3]));
        }

        [Fact]
        public void Predict_AllocatesNothingAfterWarmUp()
        {
            var ensemble = new Ensemble<double>(WithBias(0, 1), WithBias(1, 0), WithBias(2, 2));
            double[] inputs = new double[20];
            double[] outputs = new double[20];
            ensemble.Predict(inputs, outputs);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                ensemble.Predict(inputs, outputs);
            }

            Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        }

        [Fact]
        public void Accuracy_UsesTheAveragedPrediction()
        {
            Dataset<double> data = TestDatasets.Blobs(20, 3); // labels alternate 0, 1
            var leansZero = WithBias(Math.Log(3), 0);      // always class 0 → accuracy ½
            Assert.Equal(0.5, new Ensemble<double>(leansZero).Accuracy(data));
            Assert.Equal(0.5, new Ensemble<double>(leansZero, WithBias(0, 0)).Accuracy(data));
            Assert.Equal(0.5, new Ensemble<double>(WithBias(0, 2)).Accuracy(data)); // always class 1
        }
    }
}

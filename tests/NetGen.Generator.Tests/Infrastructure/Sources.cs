namespace NetGen.Generator.Tests.Infrastructure;

/// <summary>Network declarations shared by the end-to-end, incrementality, culture and analyzer tests.</summary>
internal static class Sources
{
    /// <summary>The DESIGN.md §1 network.</summary>
    public const string FashionMlp = """
        using NetGen;

        namespace Samples;

        [Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 42)]
        [Input(784)]
        [Dense(256)] [BatchNorm] [ReLU] [Dropout(0.2)]
        [Dense(128)] [BatchNorm] [ReLU] [Dropout(0.2)]
        [Dense(10)]  [Softmax]
        public partial class FashionMlp;
        """;

    /// <summary>Every layer kind a runnable network can have, every loss, float and double, nesting, the global namespace.</summary>
    public const string Zoo = """
        using NetGen;

        namespace Zoo
        {
            [Network(Loss = LossFunction.MeanSquaredError, Seed = 1, UnrollLimit = 16)]
            [Input(3)]
            [Dense(4, Init = Init.HeUniform, Name = "hidden")] [ReLU]
            [Dense(4, Bias = false, Inputs = 4)] [LeakyReLU(0.2)]
            [Dense(4, Init = Init.LeCunNormal)] [PReLU]
            [Dense(4, Init = Init.SmallRandom)] [PReLU(Shared = true, InitialAlpha = 0.1)]
            [Dense(4)] [ELU(0.5)]
            [Dense(4, Init = Init.GlorotUniform)] [Tanh]
            [Maxout(3, 2)]
            [Maxout(3, pieces: 3, Init = Init.HeNormal)]
            [Dense(4, Init = Init.GlorotNormal)] [BatchNorm(Momentum = 0.99, Epsilon = 1e-3)] [Sigmoid] [Dropout(0.1)]
            [Dense(2)]
            public partial class EveryLayer;

            [Network(Loss = LossFunction.BinaryCrossEntropy, Precision = Precision.Double, L2 = 1e-4)]
            [Input(2)] [Dense(4)] [Tanh] [Dense(1)] [Sigmoid]
            public partial class Xor;

            [Network(Loss = LossFunction.SoftmaxCrossEntropy, Precision = Precision.Double, L1 = 1e-5, UnrollLimit = 0)]
            [Input(20)] [Dense(32)] [BatchNorm] [ReLU] [Dropout(0.5)] [Dense(5)] [Softmax]
            public partial class Classifier;

            [Network(Loss = LossFunction.MulticlassHinge, L1 = 0.001, L2 = 0.01)]
            [Input(10)] [Dense(3)]
            public partial class Hinge;

            public partial class Outer
            {
                internal partial struct Middle
                {
                    [Network(Loss = LossFunction.SoftmaxCrossEntropy)]
                    [Input(1, 28, 28)] [Flatten] [Dense(10)] [Softmax]
                    public partial class Image;
                }
            }
        }

        [Network(Precision = Precision.Double, MaxParameters = 1000)]
        [Input(2, 3)] [Flatten] [Dense(6)] [ReLU] [Dense(1)]
        public partial class GlobalNet;

        public static class Usage
        {
            public static float Run()
            {
                var zoo = new Zoo.EveryLayer();
                var outputs = new float[2 * Zoo.EveryLayer.OutputSize];
                zoo.Predict(new float[2 * Zoo.EveryLayer.InputSize], outputs);
                float loss = zoo.TrainStep(new float[Zoo.EveryLayer.InputSize], new float[Zoo.EveryLayer.OutputSize]);

                var xor = new Zoo.Xor(seed: 7);
                double bce = xor.TrainStep(new double[] { 0, 1, 1, 0 }, new[] { 1, 1 }) + xor.Evaluate(new double[] { 0, 0 }, new double[] { 0 });

                var image = new Zoo.Outer.Middle.Image();
                NetGen.INetwork<float> asInterface = image;
                image.Predict(new float[Zoo.Outer.Middle.Image.InputSize], new float[10]);

                var global = new GlobalNet();
                global.Parameters.Clear();
                return loss + (float)bce + asInterface.InputSize + global.Gradients.Length + Zoo.Classifier.ParameterCount + new Zoo.Hinge().Layers.Count;
            }
        }
        """;
}

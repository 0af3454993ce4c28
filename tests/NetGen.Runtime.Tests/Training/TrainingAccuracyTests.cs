using System;
using System.Collections.Generic;
using System.Linq;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Runtime.Tests.Training
{
    /// <summary>
    /// The training accuracy of an epoch: by default the running, sample-weighted accuracy of the batches' own forward
    /// passes (as Keras reports it); the inference pass over the training set on request.
    /// </summary>
    public class TrainingAccuracyTests
    {
        [Fact]
        public void Default_IsTheRunningAccuracyOfTheBatches_CountedByHand()
        {
            // 40 samples in batches of 7 (the last has 5), in order, one epoch: a hand-run loop scores each batch with the
            // parameters from before its own update (softmax regression has no dropout or batch statistics, so Predict
            // before the step is its training-mode forward pass).
            Dataset<double> data = TestDatasets.Blobs(40, 21);
            var network = new SoftmaxRegression<double>(2, 2, seed: 3);
            var trainer = new Trainer<double>(network, new Sgd<double>(0.3), new TrainerOptions { Epochs = 1, BatchSize = 7, Shuffle = false });
            TrainingResult result = trainer.Fit(data);

            var copy = new SoftmaxRegression<double>(2, 2, seed: 3);
            var sgd = new Sgd<double>(0.3);
            int correct = 0;
            var outputs = new double[7 * 2];
            for (int start = 0; start < 40; start += 7)
            {
                int n = Math.Min(7, 40 - start);
                ReadOnlySpan<double> x = data.Features.AsSpan(start * 2, n * 2);
                ReadOnlySpan<int> y = data.Labels.AsSpan(start, n);
                copy.Predict(x, outputs.AsSpan(0, n * 2));
                for (int i = 0; i < n; i++)
                {
                    int predicted = outputs[(i * 2) + 1] > outputs[i * 2] ? 1 : 0;
                    correct += predicted == y[i] ? 1 : 0;
                }

                copy.TrainStep(x, y);
                sgd.Step(copy.Parameters, copy.Gradients);
            }

            Assert.Equal(network.Parameters.ToArray(), copy.Parameters.ToArray()); // the same epoch
            Assert.Equal(correct / 40.0, result.Last.TrainingAccuracy);
            Assert.Equal(6, network.StepsWithOutputs); // every batch handed its outputs back
            Assert.Equal(0, network.TrainSteps - network.StepsWithOutputs);
        }

        [Fact]
        public void Targets_GiveTheSameRunningAccuracyAsLabels()
        {
            Dataset<double> labeled = TestDatasets.Blobs(30, 8);
            Dataset<double> targets = OneHot.ToTargets(labeled, 2);
            var options = new TrainerOptions { Epochs = 2, BatchSize = 4, Seed = 5 };
            TrainingResult a = new Trainer<double>(new SoftmaxRegression<double>(2, 2, seed: 2), new Sgd<double>(0.2), options).Fit(labeled);
            var onTargets = new SoftmaxRegression<double>(2, 2, seed: 2);
            TrainingResult b = new Trainer<double>(onTargets, new Sgd<double>(0.2), options).Fit(targets);
            Assert.Equal(a.History.TrainingAccuracy, b.History.TrainingAccuracy);
            Assert.All(b.History.TrainingAccuracy, v => Assert.InRange(v, 0.0, 1.0));
            Assert.Equal(onTargets.TrainSteps, onTargets.StepsWithOutputs);
        }

        [Fact]
        public void InferencePass_IsTheAccuracyAfterTheEpoch_WithoutAskingForOutputs()
        {
            Dataset<double> data = TestDatasets.Blobs(40, 21);
            var network = new SoftmaxRegression<double>(2, 2, seed: 3);
            var trainer = new Trainer<double>(network, new Sgd<double>(0.3), new TrainerOptions
            {
                Epochs = 1,
                BatchSize = 7,
                Shuffle = false,
                TrainingAccuracySource = TrainingAccuracySource.InferencePass,
            });
            TrainingResult result = trainer.Fit(data);
            Assert.Equal(Metrics.Accuracy(network, data), result.Last.TrainingAccuracy);
            Assert.Equal(0, network.StepsWithOutputs);
            Assert.Equal(6, network.TrainSteps);
        }

        [Fact]
        public void Off_MeansNoTrainingAccuracy_AndNoOutputs()
        {
            Dataset<double> data = TestDatasets.Blobs(20, 2);
            foreach (TrainerOptions options in new[]
            {
                new TrainerOptions { Epochs = 1, BatchSize = 5, TrainingAccuracy = false },
                new TrainerOptions { Epochs = 1, BatchSize = 5, ComputeAccuracy = false },
                new TrainerOptions { Epochs = 1, BatchSize = 5, TrainingAccuracy = false, ComputeAccuracy = false },
            })
            {
                var network = new SoftmaxRegression<double>(2, 2);
                TrainingResult result = new Trainer<double>(network, new Sgd<double>(0.1), options).Fit(data, data);
                Assert.Null(result.Last.TrainingAccuracy);
                Assert.Equal(options.ComputeAccuracy is not false, result.Last.ValidationAccuracy is not null);
                Assert.Equal(0, network.StepsWithOutputs);
                Assert.Equal(4, network.TrainSteps);
            }
        }

        [Fact]
        public void Regression_HasNoAccuracy_AndTrainsWithoutOutputs()
        {
            var network = new LinearRegression<double>(2, 1);
            var data = new Dataset<double>(new double[] { 1, 2, 3, 4, 5, 6, 7, 8 }, 2, new double[] { 1, 2, 3, 4 }, 1);
            TrainingResult result = new Trainer<double>(network, new Sgd<double>(0.001), new TrainerOptions { Epochs = 1, BatchSize = 2 }).Fit(data);
            Assert.Null(result.Last.TrainingAccuracy);
        }

        [Fact]
        public void IsClassification_PinsEveryLossFunction()
        {
            var expected = new Dictionary<LossFunction, bool>
            {
                [LossFunction.MeanSquaredError] = false,
                [LossFunction.BinaryCrossEntropy] = true,
                [LossFunction.SoftmaxCrossEntropy] = true,
                [LossFunction.MulticlassHinge] = true,
            };

            // A new loss fails here until it is added to the table (and to LossFunctions.IsClassification).
            Assert.Equal(expected.Keys.OrderBy(l => l), Enum.GetValues<LossFunction>().OrderBy(l => l));
            foreach ((LossFunction loss, bool classification) in expected)
            {
                Assert.Equal(classification, LossFunctions.IsClassification(loss));
            }

            var e = Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.IsClassification((LossFunction)99));
            Assert.Equal("loss", e.ParamName);
        }
    }
}

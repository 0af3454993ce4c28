using System;
using System.IO;
using System.Linq;
using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.IntegrationTests;

// BatchNorm (running statistics in State), Dropout (masks from the network's own generator), Adam (moments, step
// count): every kind of state a resumed run must get back.
[Network(Loss = LossFunction.SoftmaxCrossEntropy, Seed = 5, Precision = Precision.Double)]
[Input(6)]
[Dense(16)] [BatchNorm] [ReLU] [Dropout(0.3)]
[Dense(3)] [Softmax]
public partial class ResumeNet;

/// <summary>Training stopped after epoch 3 and resumed from a training checkpoint gives exactly the uninterrupted run.</summary>
public sealed class ResumeTrainingTests : IDisposable
{
    private const int Epochs = 6;
    private readonly string _folder = Directory.CreateTempSubdirectory("netgen-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Dataset<double> Data() => new(TestData.Inputs<double>(90, 6, seed: 3), 6, TestData.Labels(90, 3, seed: 3));

    private static Dataset<double> Validation() => new(TestData.Inputs<double>(30, 6, seed: 4), 6, TestData.Labels(30, 3, seed: 4));

    private static TrainerOptions Options(IBatchLearningRateSchedule? batchSchedule = null, ILearningRateSchedule? schedule = null) => new()
    {
        Epochs = Epochs,
        BatchSize = 16,
        Seed = 11,
        Schedule = schedule,
        BatchSchedule = batchSchedule,
        ReportBatches = false,
    };

    [Theory]
    [InlineData("constant")]
    [InlineData("one-cycle per batch")]
    [InlineData("cosine per epoch")]
    public void Resumed_run_gives_bit_for_bit_the_losses_and_weights_of_an_uninterrupted_run(string schedule)
    {
        TrainerOptions options = schedule switch
        {
            "one-cycle per batch" => Options(batchSchedule: new OneCycle(0.05)),
            "cosine per epoch" => Options(schedule: new CosineAnnealing(0.02, Epochs)),
            _ => Options(),
        };

        // The uninterrupted run.
        var whole = new ResumeNet();
        TrainingResult wholeResult = new Trainer<double>(whole, new Adam<double>(0.01), options).Fit(Data(), Validation());

        // The same run, stopped by a callback after epoch 3 and saved there.
        string path = Path.Combine(_folder, "run" + TrainingCheckpoint.Extension);
        var first = new Trainer<double>(new ResumeNet(), new Adam<double>(0.01), options);
        first.Callbacks.Add(new BackupAndRestore<double>(path));
        first.Callbacks.Add(new LambdaCallback<double>(context => context.StopTraining = context.Epoch == 3));
        TrainingResult stopped = first.Fit(Data(), Validation());
        Assert.Equal(StopReason.StoppedByCallback, stopped.StopReason);
        Assert.Equal(3, stopped.History.Count);

        // A new process would start from nothing but the file: a fresh network, optimizer and trainer.
        var resumedNet = new ResumeNet();
        var resumed = new Trainer<double>(resumedNet, new Adam<double>(0.01), options);
        TrainingCheckpoint.Load(resumed, path);
        Assert.Equal(3, resumed.CompletedEpochs);
        TrainingResult rest = resumed.Fit(Data(), Validation());

        Assert.Equal(StopReason.Completed, rest.StopReason);
        Assert.Equal(Enumerable.Range(1, Epochs), rest.History.Epochs.Select(m => m.Epoch));
        Assert.Equal(Bits(wholeResult.History.TrainingLoss), Bits(rest.History.TrainingLoss));
        Assert.Equal(Bits(wholeResult.History.ValidationLoss), Bits(rest.History.ValidationLoss));
        Assert.Equal(Bits(wholeResult.History.LearningRate), Bits(rest.History.LearningRate));
        Assert.Equal(Bits(whole.Parameters.ToArray()), Bits(resumedNet.Parameters.ToArray()));
        Assert.Equal(Bits(whole.State.ToArray()), Bits(resumedNet.State.ToArray()));
        Assert.Equal(whole.RandomState, resumedNet.RandomState);

        // The test can fail: without the optimizer's state the same resume drifts.
        var naive = new Trainer<double>(new ResumeNet(), new Adam<double>(0.01), options);
        TrainingCheckpoint.Load(naive, path);
        ((Adam<double>)naive.Optimizer).Reset();
        Assert.NotEqual(Bits(wholeResult.History.TrainingLoss), Bits(naive.Fit(Data(), Validation()).History.TrainingLoss));
    }

    [Fact]
    public void Loading_into_another_optimizer_kind_or_network_changes_nothing()
    {
        string path = Path.Combine(_folder, "adam" + TrainingCheckpoint.Extension);
        var trainer = new Trainer<double>(new ResumeNet(), new Adam<double>(0.01), Options());
        trainer.Callbacks.Add(new LambdaCallback<double>(context => context.StopTraining = context.Epoch == 2));
        trainer.Fit(Data());
        TrainingCheckpoint.Save(trainer, path);

        var net = new ResumeNet();
        double[] before = net.Parameters.ToArray();
        var sgd = new Trainer<double>(net, new Sgd<double>(0.1, momentum: 0.9), Options());
        var error = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(sgd, path));
        Assert.Contains("saved from Adam, not from Sgd", error.Message);
        Assert.Equal(before, net.Parameters.ToArray());
        Assert.Equal(0, sgd.CompletedEpochs);

        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        var corrupt = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(new Trainer<double>(new ResumeNet(), new Adam<double>(0.01), Options()), bytes));
        Assert.Equal(CheckpointError.ChecksumMismatch, corrupt.Error);

        var model = Assert.Throws<CheckpointException>(() => TrainingCheckpoint.Load(new Trainer<double>(new ResumeNet(), new Adam<double>(0.01), Options()), Checkpoint.ToBytes(net)));
        Assert.Contains("this is a model file", model.Message);
    }

    private static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}

// The main job: train the MLP of DESIGN.md §1 (or, with --model cnn, a small CNN) on Fashion-MNIST, show per-class
// accuracy, save curves and the model.
using System.Globalization;
using FashionMnistSample;
using NetGen;
using NetGen.Checkpoints;
using NetGen.Data;
using NetGen.Optimizers;
using NetGen.Training;
using Spectre.Console;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Options options;
try
{
    options = Options.Parse(args);
}
catch (UsageException e)
{
    if (e.Message.Length > 0)
    {
        Console.Error.WriteLine($"error: {e.Message}");
    }

    Console.Error.WriteLine(Options.Usage);
    return e.Message.Length > 0 ? 2 : 0;
}

string dataDirectory, dataDescription;
TrainTestSplit<float> data;
try
{
    (dataDirectory, dataDescription) = options.ResolveData();
    data = FashionMnist.Load(dataDirectory);
}
catch (Exception e) when (e is UsageException or IOException or InvalidDataException or ArgumentException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

AnsiConsole.MarkupLine($"[bold]Fashion-MNIST[/]: {data.Training.Count:N0} training and {data.Test.Count:N0} test images from {Markup.Escape(dataDirectory)} ({Markup.Escape(dataDescription)})");

// Hold out 1/12 of the training images for validation; standardize pixels with statistics of the training part only.
var (training, validation) = DataSplit.TrainValidation(data.Training, 1.0 / 12, (ulong)options.Seed);
Standardizer<float> standardizer = Standardizer<float>.Fit(training);
training = standardizer.Transform(training);
validation = standardizer.Transform(validation);
Dataset<float> test = standardizer.Transform(data.Test);

// The trainer, metrics and checkpoints work on any INetwork<float>: the model only picks the generated class.
(INetwork<float> network, string summary, string modelName) = options.Model == "cnn"
    ? (new FashionCnn(options.Seed), FashionCnn.Summary, nameof(FashionCnn))
    : ((INetwork<float>)new FashionMlp(options.Seed), FashionMlp.Summary, nameof(FashionMlp));
AnsiConsole.WriteLine();
AnsiConsole.WriteLine(summary);
AnsiConsole.WriteLine();

// The CNN anneals Adam's rate from 0.001 towards 0 over the run (cosine): at a constant rate its last epochs bounce
// around the best validation accuracy. The MLP keeps the constant rate.
var trainer = new Trainer<float>(network, new Adam<float>(learningRate: 0.001), new TrainerOptions
{
    Epochs = options.Epochs,
    BatchSize = options.BatchSize,
    Seed = (ulong)options.Seed,
    Schedule = options.Model == "cnn" ? new CosineAnnealing(0.001, options.Epochs) : null,
});

TrainingResult result = AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(context =>
    {
        ProgressTask task = context.AddTask("epoch 1", maxValue: options.Epochs);
        var progress = new Reporter(report =>
        {
            double done = report.Epoch - 1 + ((double)report.Batch / report.Batches);
            task.Value = report.Kind == ProgressKind.Epoch ? report.Epoch : done;
            string accuracy = report.Metrics?.ValidationAccuracy is double a ? $"  validation accuracy {a:F4}" : string.Empty;
            task.Description = $"epoch {report.Epoch}/{report.Epochs}  loss {report.EpochLoss:F4}{accuracy}";
        });
        return trainer.Fit(training, validation, progress);
    });

var epochs = new Table().Title("Training history").AddColumns("epoch", "training loss", "training accuracy", "validation loss", "validation accuracy", "time");
foreach (EpochMetrics epoch in result.History.Epochs)
{
    epochs.AddRow($"{epoch.Epoch}", $"{epoch.TrainingLoss:F4}", $"{epoch.TrainingAccuracy:F4}", $"{epoch.ValidationLoss:F4}", $"{epoch.ValidationAccuracy:F4}", $"{epoch.Elapsed.TotalSeconds:F1} s");
}

AnsiConsole.Write(epochs);

// Per-class accuracy on the test set: the diagonal of the confusion matrix over each row's total.
int[,] confusion = Metrics.ConfusionMatrix(network, test);
var classes = new Table().Title("Test accuracy per class").AddColumns("class", "images", "correct", "accuracy", "most confused with");
int correctTotal = 0;
for (int c = 0; c < FashionMnist.ClassCount; c++)
{
    int total = 0, worst = -1;
    for (int p = 0; p < FashionMnist.ClassCount; p++)
    {
        total += confusion[c, p];
        if (p != c && (worst < 0 || confusion[c, p] > confusion[c, worst]))
        {
            worst = p;
        }
    }

    correctTotal += confusion[c, c];
    double accuracy = total == 0 ? 0 : (double)confusion[c, c] / total;
    classes.AddRow(FashionMnist.ClassNames[c], $"{total}", $"{confusion[c, c]}", $"{accuracy:F4}", $"{FashionMnist.ClassNames[worst]} ({confusion[c, worst]})");
}

AnsiConsole.Write(classes);

Directory.CreateDirectory(options.OutputDirectory);
string curves = Path.Combine(options.OutputDirectory, "fashion-mnist-curves.png");
Curves.Save(result.History, curves);
string model = Path.Combine(options.OutputDirectory, $"fashion-{options.Model}" + Checkpoint.Extension);
Checkpoint.Save(network, model);
// The same network for ONNX Runtime (Python, C#, the browser): the inference graph with its trained weights.
string onnx = Path.Combine(options.OutputDirectory, $"fashion-{options.Model}.onnx");
network.ExportOnnx(onnx);

AnsiConsole.WriteLine();
AnsiConsole.MarkupLine($"Curves: [link]{Markup.Escape(curves)}[/]");
AnsiConsole.MarkupLine($"Model:  [link]{Markup.Escape(model)}[/] (load with Checkpoint.Load(new {modelName}(), path))");
string onnxInput = options.Model == "cnn" ? "N, 1, 28, 28" : "N, 784";
AnsiConsole.MarkupLine($"ONNX:   [link]{Markup.Escape(onnx)}[/] (input [[{onnxInput}]] named input, output [[N, 10]] probabilities; runs in ONNX Runtime)");
if (GeneratedCode.Find() is string generated)
{
    AnsiConsole.MarkupLine($"Generated code (forward, backward, parameters, ONNX export): [link]{Markup.Escape(generated)}[/]");
}

double testAccuracy = (double)correctTotal / test.Count;
Console.WriteLine($"test accuracy: {testAccuracy:F4}");
return 0;

/// <summary>Reports synchronously, on the training thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}

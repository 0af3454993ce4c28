using NetGen.Training;

namespace FashionMnistSample;

/// <summary>The loss (left axis) and accuracy (right axis) per epoch, as a PNG.</summary>
internal static class Curves
{
    public static void Save(TrainingHistory history, string path)
    {
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        var plot = new ScottPlot.Plot();
        plot.Title("Fashion-MNIST MLP");
        plot.XLabel("epoch");
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Right.Label.Text = "accuracy";

        Add(plot, epochs, history.TrainingLoss, "training loss", right: false);
        Add(plot, epochs, history.ValidationLoss, "validation loss", right: false);
        Add(plot, epochs, history.TrainingAccuracy, "training accuracy", right: true);
        Add(plot, epochs, history.ValidationAccuracy, "validation accuracy", right: true);
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plot.SavePng(path, 900, 500);
    }

    private static void Add(ScottPlot.Plot plot, double[] epochs, double[] values, string label, bool right)
    {
        if (values.All(double.IsNaN))
        {
            return;
        }

        var scatter = plot.Add.Scatter(epochs, values);
        scatter.LegendText = label;
        if (right)
        {
            scatter.Axes.YAxis = plot.Axes.Right;
            scatter.LinePattern = ScottPlot.LinePattern.Dashed;
        }
    }
}

/// <summary>Finds the folder the compiler wrote the generated network code to (EmitCompilerGeneratedFiles).</summary>
internal static class GeneratedCode
{
    public static string? Find()
    {
        // bin/<configuration>/<framework>/ → the project folder is three levels up.
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        DirectoryInfo? project = output.Parent?.Parent?.Parent;
        if (project is null || output.Parent is null)
        {
            return null;
        }

        string folder = Path.Combine(project.FullName, "obj", output.Parent.Name, output.Name, "generated", "NetGen.Generator", "NetGen.Generator.NetworkGenerator");
        return Directory.Exists(folder) ? Path.GetRelativePath(Environment.CurrentDirectory, folder) : null;
    }
}

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

        // Epochs are whole numbers: ticks only there (every epoch, or every k-th for a long run), not at 1.5, 2.5, ….
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        int step = Math.Max(1, (int)Math.Ceiling(epochs.Length / 12.0));
        foreach (double epoch in epochs.Where((_, i) => i % step == 0 || i == epochs.Length - 1))
        {
            ticks.AddMajor(epoch, epoch.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        double last = epochs.Length > 0 ? epochs[^1] : 1;
        plot.Axes.SetLimitsX(epochs.Length > 0 ? epochs[0] - 0.25 : 0, last + 0.25);

        // The legend goes below the figure, outside the data area, so it never covers a curve.
        plot.ShowLegend(ScottPlot.Edge.Bottom);
        plot.SavePng(path, 900, 560);
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

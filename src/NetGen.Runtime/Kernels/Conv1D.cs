using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// A 1-D convolution layer on a batch of sequences and its backward pass (cross-correlation). Shapes are row-major:
    /// <c>X [batch × C × L]</c>, <c>W [F × C × K]</c>, <c>b [F]</c>, <c>Y [batch × F × Lo]</c> with
    /// <c>Lo = ⌊(L + 2P − K)/S⌋ + 1</c> for stride S and zero padding P at each end.
    /// </summary>
    /// <remarks>
    /// The same computation as <see cref="Conv2D"/> with a height of 1: per sample, a matrix product over the windows
    /// (im2col) with the runtime's GEMM, in a caller-provided workspace of <see cref="WorkspaceLength"/> values.
    /// </remarks>
    public static class Conv1D
    {
        /// <summary>The output length <c>⌊(length + 2·padding − kernel)/stride⌋ + 1</c>.</summary>
        /// <param name="length">The input length, ≥ 1.</param>
        /// <param name="kernel">The kernel size, ≥ 1.</param>
        /// <param name="stride">The stride, ≥ 1.</param>
        /// <param name="padding">The zero padding at each end, ≥ 0.</param>
        /// <returns>The output length, ≥ 1.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the kernel is longer than the padded input.</exception>
        public static int OutputLength(int length, int kernel, int stride, int padding) =>
            Geometry(1, length, kernel, stride, padding).OutputWidth;

        /// <summary>
        /// The length of the workspace that <see cref="Forward"/> and <see cref="Backward"/> take:
        /// <c>C·K · Lo + F · max(Lo, C·K)</c>.
        /// </summary>
        /// <param name="channels">Input channels C.</param>
        /// <param name="length">Input length L.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P at each end.</param>
        /// <returns>The workspace length.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the kernel is longer than the padded input.</exception>
        public static int WorkspaceLength(int channels, int length, int filters, int kernel, int stride, int padding)
        {
            Check.Positive(filters, nameof(filters));
            return Convolution.WorkspaceLength(Geometry(channels, length, kernel, stride, padding), filters);
        }

        /// <summary>
        /// Forward pass: effectively computes <c>y[s,f,i] = b[f] + Σ_c Σ_u w[f,c,u] · x[s, c, i·S − P + u]</c>, where x is 0
        /// outside the sequence (zero padding).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × L]</c>.</param>
        /// <param name="w">The kernels <c>[F × C × K]</c>.</param>
        /// <param name="b">The biases <c>[F]</c>, or empty for a layer without bias.</param>
        /// <param name="y">The outputs <c>[batch × F × Lo]</c>, overwritten; must not overlap the other spans.</param>
        /// <param name="workspace">Scratch space of <see cref="WorkspaceLength"/> values, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Input channels C.</param>
        /// <param name="length">Input length L.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P at each end.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> workspace, int batch, int channels, int length, int filters, int kernel, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, length, kernel, stride, padding);
            bool hasBias = CheckLengths(x.Length, w.Length, b.Length, y.Length, workspace.Length, batch, geometry, filters, nameof(x), nameof(y));
            Convolution.Forward(x, w, b, y, workspace, batch, geometry, filters, hasBias);
        }

        /// <summary>
        /// Backward pass. Effectively computes
        /// <c>dw[f,c,u] += Σ_s Σ_i dy[s,f,i] · x[s, c, i·S − P + u]</c> (accumulates),
        /// <c>db[f] += Σ_s Σ_i dy[s,f,i]</c> (accumulates), and
        /// <c>dx[s,c,m] = Σ_f Σ_u w[f,c,u] · dy[s, f, (m + P − u)/S]</c> (overwrites), summing only the terms where the
        /// quotient is whole and inside the output: the full convolution of dy with the flipped kernels (col2im).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × C × L]</c>.</param>
        /// <param name="w">The kernels <c>[F × C × K]</c>.</param>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × F × Lo]</c>.</param>
        /// <param name="dw">The kernel gradient <c>[F × C × K]</c>, accumulated into; empty to skip it (input gradients only).</param>
        /// <param name="db">The bias gradient <c>[F]</c>, accumulated into; empty to skip it.</param>
        /// <param name="dx">The input gradient <c>[batch × C × L]</c>, overwritten; empty to skip it (first layer).</param>
        /// <param name="workspace">Scratch space of <see cref="WorkspaceLength"/> values, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Input channels C.</param>
        /// <param name="length">Input length L.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P at each end.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, Span<T> workspace, int batch, int channels, int length, int filters, int kernel, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, length, kernel, stride, padding);
            bool hasBias = CheckLengths(x.Length, w.Length, db.Length, dy.Length, workspace.Length, batch, geometry, filters, nameof(x), nameof(dy));
            Check.Optional(dw.Length, w.Length, nameof(dw), "F × C × K");
            bool hasInputGradient = Check.Optional(dx.Length, x.Length, nameof(dx), "batch × C × L");
            Convolution.Backward(x, w, dy, dw, db, dx, workspace, batch, geometry, filters, hasBias, hasInputGradient);
        }

        /// <summary>
        /// Forward pass without bias, added to <paramref name="y"/>: effectively computes
        /// <c>y[s,f,i] += Σ_c Σ_u w[f,c,u] · x[s, c, i·S − P + u]</c> (x is 0 outside the input). With it the tangent of the layer needs no extra buffer:
        /// <c>Ẏ = W ⊛ Ẋ + ḃ</c> by <see cref="Forward"/> on (ẋ, w, ḃ), then <c>Ẏ += Ẇ ⊛ X</c> by this method on (x, ẇ).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × L]</c>.</param>
        /// <param name="w">The kernels <c>[F × C × K]</c>.</param>
        /// <param name="y">The outputs <c>[batch × F × Lo]</c>, accumulated into; must not overlap the other spans.</param>
        /// <param name="workspace">Scratch space of <see cref="WorkspaceLength"/> values, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Input channels C.</param>
        /// <param name="length">Input length L.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P on each side.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void AddForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, Span<T> workspace, int batch, int channels, int length, int filters, int kernel, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, length, kernel, stride, padding);
            CheckLengths(x.Length, w.Length, 0, y.Length, workspace.Length, batch, geometry, filters, nameof(x), nameof(y));
            Convolution.AddForward(x, w, y, workspace, batch, geometry, filters);
        }

        private static WindowGeometry Geometry(int channels, int length, int kernel, int stride, int padding)
        {
            Check.Positive(kernel, nameof(kernel));
            Check.Positive(stride, nameof(stride));
            Check.NonNegative(padding, nameof(padding));
            return WindowGeometry.Create(channels, 1, length, 1, kernel, 1, stride, 0, padding, nameof(kernel), oneDimensional: true);
        }

        private static bool CheckLengths(int xLength, int wLength, int bLength, int yLength, int workspaceLength, int batch, in WindowGeometry geometry, int filters, string xName, string yName)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Positive(filters, nameof(filters));
            Check.Length(xLength, Check.Product(batch, geometry.InputLength, "batch × C × L"), xName, "batch × C × L");
            Check.Length(wLength, Check.Product(filters, geometry.PatchLength, "F × C × K"), "w", "F × C × K");
            bool hasBias = Check.Optional(bLength, filters, yName == "y" ? "b" : "db", "F");
            Check.Length(yLength, Check.Product(batch, filters, geometry.Positions, "batch × F × Lo"), yName, "batch × F × Lo");
            Check.Length(workspaceLength, Convolution.WorkspaceLength(geometry, filters), "workspace", "C·K·Lo + F·max(Lo, C·K)");
            return hasBias;
        }
    }
}

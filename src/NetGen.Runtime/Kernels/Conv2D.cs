using System;
using System.Numerics;

namespace NetGen.Kernels
{
    /// <summary>
    /// A 2-D convolution layer on a batch of images and its backward pass (cross-correlation, as in every deep-learning
    /// framework). Shapes are row-major, images NCHW: <c>X [batch × C × H × W]</c>, <c>W [F × C × K × K]</c>,
    /// <c>b [F]</c>, <c>Y [batch × F × Ho × Wo]</c> with <c>Ho = ⌊(H + 2P − K)/S⌋ + 1</c> and <c>Wo = ⌊(W + 2P − K)/S⌋ + 1</c>
    /// for stride S and zero padding P on every side.
    /// </summary>
    /// <remarks>
    /// Computed per sample as a matrix product over the patches under the kernel (im2col) with the runtime's GEMM, in a
    /// caller-provided workspace of <see cref="WorkspaceLength"/> values. A batch with enough work is split by samples over
    /// up to <see cref="NetGenOptions.MaxDegreeOfParallelism"/> threads; the other threads' workspaces and partial
    /// gradients are kept by the runtime after the first such call, so later calls allocate nothing.
    /// </remarks>
    public static class Conv2D
    {
        /// <summary>The output height (or width) <c>⌊(size + 2·padding − kernel)/stride⌋ + 1</c>.</summary>
        /// <param name="size">The input height (or width), ≥ 1.</param>
        /// <param name="kernel">The kernel size, ≥ 1.</param>
        /// <param name="stride">The stride, ≥ 1.</param>
        /// <param name="padding">The zero padding on each side, ≥ 0.</param>
        /// <returns>The output size, ≥ 1.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the kernel is larger than the padded input.</exception>
        public static int OutputSize(int size, int kernel, int stride, int padding) =>
            Geometry(1, size, size, kernel, stride, padding).OutputHeight;

        /// <summary>
        /// The length of the workspace that <see cref="Forward"/> and <see cref="Backward"/> take:
        /// <c>C·K·K · Ho·Wo + F · max(Ho·Wo, C·K·K)</c>: the patches of one sample, then room for one sample's kernel
        /// gradient or transposed output gradient.
        /// </summary>
        /// <param name="channels">Input channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P on each side.</param>
        /// <returns>The workspace length.</returns>
        /// <exception cref="ArgumentException">A size is out of range, or the kernel is larger than the padded input.</exception>
        public static int WorkspaceLength(int channels, int height, int width, int filters, int kernel, int stride, int padding)
        {
            Check.Positive(filters, nameof(filters));
            return Convolution.WorkspaceLength(Geometry(channels, height, width, kernel, stride, padding), filters);
        }

        /// <summary>
        /// Forward pass: effectively computes
        /// <c>y[s,f,i,j] = b[f] + Σ_c Σ_u Σ_v w[f,c,u,v] · x[s, c, i·S − P + u, j·S − P + v]</c>,
        /// where x is 0 outside the image (zero padding).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × H × W]</c>.</param>
        /// <param name="w">The kernels <c>[F × C × K × K]</c>.</param>
        /// <param name="b">The biases <c>[F]</c>, or empty for a layer without bias.</param>
        /// <param name="y">The outputs <c>[batch × F × Ho × Wo]</c>, overwritten; must not overlap the other spans.</param>
        /// <param name="workspace">Scratch space of <see cref="WorkspaceLength"/> values, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Input channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K (K × K kernels).</param>
        /// <param name="stride">Stride S, the same on both axes.</param>
        /// <param name="padding">Zero padding P on each side.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, Span<T> workspace, int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, kernel, stride, padding);
            bool hasBias = CheckLengths(x.Length, w.Length, b.Length, y.Length, workspace.Length, batch, geometry, filters, nameof(x), nameof(y));
            Convolution.Forward(x, w, b, y, workspace, batch, geometry, filters, hasBias);
        }

        /// <summary>
        /// Backward pass. Effectively computes
        /// <c>dw[f,c,u,v] += Σ_s Σ_i Σ_j dy[s,f,i,j] · x[s, c, i·S − P + u, j·S − P + v]</c> (accumulates),
        /// <c>db[f] += Σ_s Σ_i Σ_j dy[s,f,i,j]</c> (accumulates), and
        /// <c>dx[s,c,m,n] = Σ_f Σ_u Σ_v w[f,c,u,v] · dy[s, f, (m + P − u)/S, (n + P − v)/S]</c> (overwrites), summing only the
        /// terms where both quotients are whole and inside the output: the full convolution of dy (spread out by the
        /// stride) with the flipped kernels, computed by adding each patch's gradient back where the patch was taken (col2im).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × C × H × W]</c>.</param>
        /// <param name="w">The kernels <c>[F × C × K × K]</c>.</param>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × F × Ho × Wo]</c>.</param>
        /// <param name="dw">The kernel gradient <c>[F × C × K × K]</c>, accumulated into; empty to skip it (input gradients only).</param>
        /// <param name="db">The bias gradient <c>[F]</c>, accumulated into; empty to skip it.</param>
        /// <param name="dx">The input gradient <c>[batch × C × H × W]</c>, overwritten; empty to skip it (first layer).</param>
        /// <param name="workspace">Scratch space of <see cref="WorkspaceLength"/> values, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Input channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P on each side.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, Span<T> workspace, int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, kernel, stride, padding);
            bool hasBias = CheckLengths(x.Length, w.Length, db.Length, dy.Length, workspace.Length, batch, geometry, filters, nameof(x), nameof(dy));
            Check.Optional(dw.Length, w.Length, nameof(dw), "F × C × K × K");
            bool hasInputGradient = Check.Optional(dx.Length, x.Length, nameof(dx), "batch × C × H × W");
            Convolution.Backward(x, w, dy, dw, db, dx, workspace, batch, geometry, filters, hasBias, hasInputGradient);
        }

        /// <summary>
        /// Forward pass without bias, added to <paramref name="y"/>: effectively computes
        /// <c>y[s,f,i,j] += Σ_c Σ_u Σ_v w[f,c,u,v] · x[s, c, i·S − P + u, j·S − P + v]</c> (x is 0 outside the input). With it the tangent of the layer needs no extra buffer:
        /// <c>Ẏ = W ⊛ Ẋ + ḃ</c> by <see cref="Forward"/> on (ẋ, w, ḃ), then <c>Ẏ += Ẇ ⊛ X</c> by this method on (x, ẇ).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × C × H × W]</c>.</param>
        /// <param name="w">The kernels <c>[F × C × K × K]</c>.</param>
        /// <param name="y">The outputs <c>[batch × F × Ho × Wo]</c>, accumulated into; must not overlap the other spans.</param>
        /// <param name="workspace">Scratch space of <see cref="WorkspaceLength"/> values, overwritten.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="channels">Input channels C.</param>
        /// <param name="height">Input height H.</param>
        /// <param name="width">Input width W.</param>
        /// <param name="filters">Output channels F.</param>
        /// <param name="kernel">Kernel size K.</param>
        /// <param name="stride">Stride S.</param>
        /// <param name="padding">Zero padding P on each side.</param>
        /// <exception cref="ArgumentException">A size is out of range, or a span's length does not match the sizes.</exception>
        public static void AddForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, Span<T> workspace, int batch, int channels, int height, int width, int filters, int kernel, int stride, int padding)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            WindowGeometry geometry = Geometry(channels, height, width, kernel, stride, padding);
            CheckLengths(x.Length, w.Length, 0, y.Length, workspace.Length, batch, geometry, filters, nameof(x), nameof(y));
            Convolution.AddForward(x, w, y, workspace, batch, geometry, filters);
        }

        private static WindowGeometry Geometry(int channels, int height, int width, int kernel, int stride, int padding)
        {
            Check.Positive(kernel, nameof(kernel));
            Check.Positive(stride, nameof(stride));
            Check.NonNegative(padding, nameof(padding));
            return WindowGeometry.Create(channels, height, width, kernel, kernel, stride, stride, padding, padding, nameof(kernel), oneDimensional: false);
        }

        /// <summary>Checks the lengths shared by both passes; returns whether the bias (gradient) span is present.</summary>
        private static bool CheckLengths(int xLength, int wLength, int bLength, int yLength, int workspaceLength, int batch, in WindowGeometry geometry, int filters, string xName, string yName)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.Positive(filters, nameof(filters));
            Check.Length(xLength, Check.Product(batch, geometry.InputLength, "batch × C × H × W"), xName, "batch × C × H × W");
            Check.Length(wLength, Check.Product(filters, geometry.PatchLength, "F × C × K × K"), "w", "F × C × K × K");
            bool hasBias = Check.Optional(bLength, filters, yName == "y" ? "b" : "db", "F");
            Check.Length(yLength, Check.Product(batch, filters, geometry.Positions, "batch × F × Ho × Wo"), yName, "batch × F × Ho × Wo");
            Check.Length(workspaceLength, Convolution.WorkspaceLength(geometry, filters), "workspace", "C·K·K·Ho·Wo + F·max(Ho·Wo, C·K·K)");
            return hasBias;
        }
    }
}

using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace NetGen.Kernels
{
    /// <summary>
    /// A fully connected (Dense) layer on a batch: <c>Y = X · Wᵀ + b</c> and its backward pass. Shapes are row-major:
    /// <c>X [batch × inputs]</c>, <c>W [outputs × inputs]</c>, <c>b [outputs]</c>, <c>Y [batch × outputs]</c>.
    /// </summary>
    public static class Linear
    {
        /// <summary>
        /// Forward pass: effectively computes <c>y[s,o] = Σᵢ x[s,i] · w[o,i] + b[o]</c>.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × inputs]</c>.</param>
        /// <param name="w">The weights <c>[outputs × inputs]</c>.</param>
        /// <param name="b">The biases <c>[outputs]</c>, or empty for a layer without bias.</param>
        /// <param name="y">The outputs <c>[batch × outputs]</c>, overwritten; must not overlap <paramref name="x"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inputs">Features per input sample.</param>
        /// <param name="outputs">Units of the layer.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> b, Span<T> y, int batch, int inputs, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // One sample whose lengths all fit goes straight to its kernel: one combined comparison (without branches per
            // length), the checks one by one only when something does not fit (to throw), or for the other kernels.
            if (batch == 1 && GemmTuning.LeanSingleSample)
            {
                GemmPath single = Gemm.DefaultPath;
                if (((inputs > 0) & (outputs > 0) & (x.Length == inputs) & (y.Length == outputs) & (w.Length == (long)inputs * outputs) & ((b.Length == 0) | (b.Length == outputs)))
                    && SingleSample.Applies<T>(single, inputs, outputs))
                {
                    SingleSample.Forward(x, w, b, y, inputs, outputs, single);
                    return;
                }
            }

            CheckSizes(batch, inputs, outputs);
            Check.Length(x.Length, Check.Product(batch, inputs, "batch × inputs"), nameof(x), "batch × inputs");
            Check.Length(w.Length, Check.Product(outputs, inputs, "outputs × inputs"), nameof(w), "outputs × inputs");
            bool hasBias = Check.Optional(b.Length, outputs, nameof(b), "outputs");
            Check.Length(y.Length, Check.Product(batch, outputs, "batch × outputs"), nameof(y), "batch × outputs");

            // One sample calls the dot-product kernel directly; otherwise the bias is added by the product's kernel as it stores each value.
            GemmPath path = Gemm.DefaultPath;
            if (batch == 1 && SingleSample.Applies<T>(path, inputs, outputs))
            {
                SingleSample.Forward(x, w, hasBias ? b : ReadOnlySpan<T>.Empty, y, inputs, outputs, path);
                return;
            }

            Gemm.MultiplyTransposedB(x, w, hasBias ? b : ReadOnlySpan<T>.Empty, y, batch, inputs, outputs, Gemm.DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);
        }

        /// <summary>
        /// Forward pass without bias, added to <paramref name="y"/>: effectively computes
        /// <c>y[s,o] += Σᵢ x[s,i] · w[o,i]</c>. With it the tangent of the layer is two products and no extra buffer:
        /// <c>Ż = Ẋ · Wᵀ + ḃ</c> by <see cref="Forward"/> on (ẋ, w, ḃ), then <c>Ż += X · Ẇᵀ</c> by this method on (x, ẇ).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The inputs <c>[batch × inputs]</c>.</param>
        /// <param name="w">The weights <c>[outputs × inputs]</c>.</param>
        /// <param name="y">The outputs <c>[batch × outputs]</c>, accumulated into; must not overlap <paramref name="x"/>.</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inputs">Features per input sample.</param>
        /// <param name="outputs">Units of the layer.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        public static void AddForward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, int batch, int inputs, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            CheckSizes(batch, inputs, outputs);
            Check.Length(x.Length, Check.Product(batch, inputs, "batch × inputs"), nameof(x), "batch × inputs");
            Check.Length(w.Length, Check.Product(outputs, inputs, "outputs × inputs"), nameof(w), "outputs × inputs");
            Check.Length(y.Length, Check.Product(batch, outputs, "batch × outputs"), nameof(y), "batch × outputs");
            Gemm.AddMultiplyTransposedB(x, w, y, batch, inputs, outputs, Gemm.DefaultPath, NetGenOptions.EffectiveDegreeOfParallelism);
        }

        /// <summary>
        /// Backward pass. Effectively computes
        /// <c>dw[o,i] += Σₛ dy[s,o] · x[s,i]</c> (accumulates),
        /// <c>db[o] += Σₛ dy[s,o]</c> (accumulates) and
        /// <c>dx[s,i] = Σₒ dy[s,o] · w[o,i]</c> (overwrites).
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × inputs]</c>.</param>
        /// <param name="w">The weights <c>[outputs × inputs]</c>.</param>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × outputs]</c>.</param>
        /// <param name="dw">The weight gradient <c>[outputs × inputs]</c>, accumulated into; empty to skip it (input gradients only).</param>
        /// <param name="db">The bias gradient <c>[outputs]</c>, accumulated into; empty to skip it.</param>
        /// <param name="dx">The input gradient <c>[batch × inputs]</c>, overwritten; empty to skip it (first layer).</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inputs">Features per input sample.</param>
        /// <param name="outputs">Units of the layer.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Backward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, int batch, int inputs, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Gradients(x, w, dy, dw, db, dx, batch, inputs, outputs, overwrite: false);

        /// <summary>
        /// <see cref="Backward"/> that writes the parameter gradients instead of adding to them: effectively computes
        /// <c>dw[o,i] = Σₛ dy[s,o] · x[s,i]</c>, <c>db[o] = Σₛ dy[s,o]</c> and <c>dx[s,i] = Σₒ dy[s,o] · w[o,i]</c> (all
        /// overwritten), so a training step need not clear them first. The same values as clearing <paramref name="dw"/> and
        /// <paramref name="db"/> and calling <see cref="Backward"/>; only a gradient whose sum is a zero can differ, in the sign of
        /// that zero.
        /// </summary>
        /// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
        /// <param name="x">The forward inputs <c>[batch × inputs]</c>.</param>
        /// <param name="w">The weights <c>[outputs × inputs]</c>.</param>
        /// <param name="dy">The gradient of the loss with respect to the outputs <c>[batch × outputs]</c>.</param>
        /// <param name="dw">The weight gradient <c>[outputs × inputs]</c>, overwritten; empty to skip it.</param>
        /// <param name="db">The bias gradient <c>[outputs]</c>, overwritten; empty to skip it.</param>
        /// <param name="dx">The input gradient <c>[batch × inputs]</c>, overwritten; empty to skip it (first layer).</param>
        /// <param name="batch">The number of samples.</param>
        /// <param name="inputs">Features per input sample.</param>
        /// <param name="outputs">Units of the layer.</param>
        /// <exception cref="ArgumentException">A span's length does not match the sizes; nothing is written.</exception>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void BackwardOverwrite<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, int batch, int inputs, int outputs)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Gradients(x, w, dy, dw, db, dx, batch, inputs, outputs, overwrite: true);

        /// <summary>
        /// <see cref="Backward"/> (<paramref name="overwrite"/> false) or <see cref="BackwardOverwrite"/> (true). The backward
        /// entry points are compiled once, optimized; <see cref="Forward"/> keeps tiering (compiled once, the one-sample predict was no faster).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Gradients<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, ReadOnlySpan<T> dy, Span<T> dw, Span<T> db, Span<T> dx, int batch, int inputs, int outputs, bool overwrite)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // As in Forward: one sample whose lengths all fit (each gradient absent or whole) takes one combined comparison.
            if (batch == 1 && GemmTuning.LeanSingleSample && (!overwrite || GemmTuning.OverwriteGradients))
            {
                GemmPath single = Gemm.DefaultPath;
                long weights = (long)inputs * outputs;
                if (((inputs > 0) & (outputs > 0) & (x.Length == inputs) & (dy.Length == outputs) & (w.Length == weights)
                    & ((dw.Length == 0) | (dw.Length == weights)) & ((db.Length == 0) | (db.Length == outputs)) & ((dx.Length == 0) | (dx.Length == inputs)))
                    && SingleSample.Applies<T>(single, inputs, outputs))
                {
                    if (overwrite)
                    {
                        SingleSample.BackwardOverwrite(x, w, dy, dw, db, dx, inputs, outputs, single);
                    }
                    else
                    {
                        SingleSample.Backward(x, w, dy, dw, db, dx, inputs, outputs, single);
                    }

                    return;
                }
            }

            CheckSizes(batch, inputs, outputs);
            int inputLength = Check.Product(batch, inputs, "batch × inputs");
            int weightLength = Check.Product(outputs, inputs, "outputs × inputs");
            Check.Length(x.Length, inputLength, nameof(x), "batch × inputs");
            Check.Length(w.Length, weightLength, nameof(w), "outputs × inputs");
            Check.Length(dy.Length, Check.Product(batch, outputs, "batch × outputs"), nameof(dy), "batch × outputs");
            bool hasWeightGradient = Check.Optional(dw.Length, weightLength, nameof(dw), "outputs × inputs");
            bool hasBias = Check.Optional(db.Length, outputs, nameof(db), "outputs");
            bool hasInputGradient = Check.Optional(dx.Length, inputLength, nameof(dx), "batch × inputs");
            if (overwrite && !GemmTuning.OverwriteGradients)
            {
                // The A/B switch's old way: clear, then accumulate onto the zeros.
                dw.Clear();
                db.Clear();
                overwrite = false;
            }

            GemmPath path = Gemm.DefaultPath;
            if (batch == 1 && SingleSample.Applies<T>(path, inputs, outputs))
            {
                Span<T> weightGradient = hasWeightGradient ? dw : Span<T>.Empty, biasGradient = hasBias ? db : Span<T>.Empty, inputGradient = hasInputGradient ? dx : Span<T>.Empty;
                if (overwrite)
                {
                    SingleSample.BackwardOverwrite(x, w, dy, weightGradient, biasGradient, inputGradient, inputs, outputs, path);
                }
                else
                {
                    SingleSample.Backward(x, w, dy, weightGradient, biasGradient, inputGradient, inputs, outputs, path);
                }

                return;
            }

            // dW += dYᵀ · X, or dW = dYᵀ · X stored by the GEMM (no clearing first: 800 KB for the Fashion MLP)
            if (hasWeightGradient)
            {
                if (overwrite)
                {
                    Gemm.TransposedAMultiply(dy, x, dw, outputs, batch, inputs, path, NetGenOptions.EffectiveDegreeOfParallelism);
                }
                else
                {
                    Gemm.AddTransposedAMultiply(dy, x, dw, outputs, batch, inputs);
                }
            }

            // db += Σ_rows dY, or db = Σ_rows dY starting from the first row
            if (hasBias)
            {
                int first = 0;
                if (overwrite)
                {
                    if (batch == 0)
                    {
                        db.Clear();
                    }
                    else
                    {
                        dy.Slice(0, outputs).CopyTo(db);
                        first = 1;
                    }
                }

                for (int s = first; s < batch; s++)
                {
                    TensorPrimitives.Add(db, dy.Slice(s * outputs, outputs), db);
                }
            }

            // dX = dY · W
            if (hasInputGradient)
            {
                Gemm.Multiply(dy, w, dx, batch, outputs, inputs);
            }
        }

        private static void CheckSizes(int batch, int inputs, int outputs)
        {
            Check.NonNegative(batch, nameof(batch));
            Check.NonNegative(inputs, nameof(inputs));
            Check.NonNegative(outputs, nameof(outputs));
        }
    }
}

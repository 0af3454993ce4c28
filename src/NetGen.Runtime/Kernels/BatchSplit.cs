using System;
using System.ComponentModel;
using System.Numerics;
using NetGen.Threading;

namespace NetGen.Kernels
{
    /// <summary>
    /// Splits a large <see cref="INetwork{T}.Predict"/> by samples over the worker pool: each thread runs the whole
    /// network on its own rows, in its own pooled workspace. Inference treats every sample on its own, so the outputs are
    /// the same bits as one call over the whole batch; and every layer runs in parallel, where a split inside each
    /// product would leave the element-wise passes between them on one thread and join the threads once per layer.
    /// Called by generated code.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class BatchSplit
    {
        /// <summary>
        /// Multiply-adds below which a part is not worth a thread: 2²¹, some tens of microseconds, against the few
        /// microseconds that handing a part to a worker costs.
        /// </summary>
        private const long MinimumWorkPerPart = 1L << 21;

        /// <summary>
        /// The samples a part gets at least: <see cref="Gemm.PanelRows"/>, so that every part's products run the same
        /// kernels as the whole batch's (fewer rows take dot products, which sum in another order).
        /// </summary>
        private const int MinimumRowsPerPart = Gemm.PanelRows;

        /// <summary>
        /// Multiply-adds per sample up to which a Predict is also cut into parts that fit the cache (a dense network's
        /// layers: a few hundred samples' activations are a few hundred KiB); above it (a CNN) each product is large enough
        /// to stream well by itself.
        /// </summary>
        private const long MaximumChunkedWorkPerSample = 1L << 20;

        /// <summary>Set on a thread while it runs a part, so the part's own Predict does not split again.</summary>
        [ThreadStatic]
        private static bool t_inPart;

        /// <summary>
        /// How many parts a Predict of <paramref name="batch"/> samples of about <paramref name="multiplyAddsPerSample"/>
        /// multiply-adds each should be split into: one per thread for large work, and for a dense network's large
        /// batches more, each of a size that stays in cache; 1 (do not split) for small batches or inside a part.
        /// </summary>
        public static int Parts(int batch, long multiplyAddsPerSample)
        {
            if (batch < 2 * MinimumRowsPerPart || t_inPart)
            {
                return 1;
            }

            int threads = batch * multiplyAddsPerSample < 2 * MinimumWorkPerPart
                ? 1
                : (int)Math.Min(Math.Min(NetGenOptions.EffectiveDegreeOfParallelism, batch / MinimumRowsPerPart), batch * multiplyAddsPerSample / MinimumWorkPerPart);
            long chunkWork = GemmTuning.PredictChunkWork;
            if (chunkWork <= 0 || multiplyAddsPerSample <= 0 || multiplyAddsPerSample > MaximumChunkedWorkPerSample)
            {
                return threads;
            }

            // A batch whose activations outgrow L2 (a 1,024-sample predict of a 784-256-128 MLP: 1 MiB per layer) runs in
            // parts of about chunkWork multiply-adds, each layer's output still in cache when the next layer reads it.
            // A whole number of parts per thread, so that no thread is left with one part more than another.
            long rows = Math.Max(MinimumRowsPerPart, chunkWork / multiplyAddsPerSample);
            long chunks = Math.Max(1, batch / rows);
            long perThread = Math.Max(1, Math.Min((chunks + threads - 1) / threads, batch / MinimumRowsPerPart / threads));
            return (int)(perThread * threads);
        }

        /// <summary>
        /// Runs <c>network.Predict</c> on <paramref name="parts"/> consecutive slices of the batch, on up to as many
        /// threads (one runs them in turn), and returns when all are done. The caller has checked the lengths.
        /// </summary>
        public static unsafe void Predict<T>(INetwork<T> network, ReadOnlySpan<T> inputs, Span<T> outputs, int batch, int parts)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            PredictJob<T> job = PredictJob<T>.ForThisThread();
            fixed (T* input = inputs)
            fixed (T* output = outputs)
            {
                job.Set(network, input, output, batch, inputs.Length / batch, outputs.Length / batch);
                try
                {
                    WorkerPool.Shared.Run(job, parts, Math.Min(parts, NetGenOptions.EffectiveDegreeOfParallelism));
                }
                finally
                {
                    job.Clear();
                }
            }
        }

        /// <summary>One caller's split Predict: the pinned spans as pointers, cached per calling thread (no allocation after the first).</summary>
        private sealed unsafe class PredictJob<T> : IParallelWork
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            [ThreadStatic]
            private static PredictJob<T>? t_job;

            private INetwork<T>? _network;
            private T* _inputs;
            private T* _outputs;
            private int _batch;
            private int _inputSize;
            private int _outputSize;

            public static PredictJob<T> ForThisThread() => t_job ??= new PredictJob<T>();

            public void Set(INetwork<T> network, T* inputs, T* outputs, int batch, int inputSize, int outputSize)
            {
                _network = network;
                _inputs = inputs;
                _outputs = outputs;
                _batch = batch;
                _inputSize = inputSize;
                _outputSize = outputSize;
            }

            public void Clear()
            {
                _network = null;
                _inputs = null;
                _outputs = null;
            }

            public void Run(int part, int parts)
            {
                int first = (int)((long)_batch * part / parts), end = (int)((long)_batch * (part + 1) / parts);
                int rows = end - first;
                bool wasInPart = t_inPart;
                t_inPart = true;
                try
                {
                    _network!.Predict(
                        new ReadOnlySpan<T>(_inputs + ((long)first * _inputSize), rows * _inputSize),
                        new Span<T>(_outputs + ((long)first * _outputSize), rows * _outputSize));
                }
                finally
                {
                    t_inPart = wasInPart;
                }
            }
        }
    }
}

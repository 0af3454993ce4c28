using System;
using System.Numerics;
using System.Numerics.Tensors;
using NetGen.Threading;

namespace NetGen.Kernels
{
    /// <summary>The element-wise passes over convolution maps that <see cref="MapJob{T}"/> splits over threads.</summary>
    internal enum MapKind
    {
        /// <summary><see cref="BatchNorm.ForwardTraining{T}"/> over maps, split by features.</summary>
        BatchNormForward,

        /// <summary><see cref="BatchNorm.Backward{T}"/> over maps, split by features.</summary>
        BatchNormBackward,

        /// <summary>2×2 max pooling with stride 2, split by planes.</summary>
        MaxPool2By2,

        /// <summary><see cref="BatchNorm.ForwardTrainingReLUMaxPoolPlanes{T}"/>: the pass that writes every map, split by features.</summary>
        BatchNormReLUMaxPoolForward,

        /// <summary><see cref="BatchNorm.ForwardTrainingReLUMaxPoolPooledPlanes{T}"/>: the pass that writes only the pooled maps, split by features.</summary>
        BatchNormReLUMaxPoolForwardPooled,

        /// <summary><see cref="BatchNorm.ShiftedMapSums"/>: each map's shifted sums into a table, split by samples.</summary>
        BatchNormShiftedMapSums,

        /// <summary><see cref="BatchNorm.NormalizeReLUMaxPoolSamples{T}"/>: the pooled-only pass's maps, split by samples.</summary>
        BatchNormReLUMaxPoolNormalizeSamples,

        /// <summary><see cref="BatchNorm.BackwardReLUMaxPool{T}"/>, split by features.</summary>
        BatchNormReLUMaxPoolBackward,

        /// <summary><see cref="BatchNorm.BackwardReLUMaxPoolFromInputs{T}"/>, split by features.</summary>
        BatchNormReLUMaxPoolBackwardFromInputs,

        /// <summary><see cref="Activations.ReLU{T}"/>, split into runs.</summary>
        ReLU,

        /// <summary><see cref="BatchNorm.ForwardInferenceReLUMaxPoolPlanes{T}"/>, split by planes.</summary>
        BatchNormReLUMaxPoolInference,

        /// <summary><see cref="BatchNorm.BackwardInferenceReLUMaxPoolPlanes{T}"/>, split by planes.</summary>
        BatchNormReLUMaxPoolInferenceBackward,

        /// <summary><see cref="Activations.ReLUBackward{T}"/>, split into runs.</summary>
        ReLUBackward,

        /// <summary><see cref="BatchNorm.ForwardTraining{T}"/> after a dense layer (spatial 1), split by vectors of features.</summary>
        BatchNormRowsForward,

        /// <summary><see cref="BatchNorm.Backward{T}"/> after a dense layer (spatial 1), split by vectors of features.</summary>
        BatchNormRowsBackward,

        /// <summary><c>z[i] = x[i] · y[i]</c> (<see cref="Dropout.Backward{T}"/>), split into runs.</summary>
        Multiply,

        /// <summary><see cref="Dropout.ForwardTraining{T}"/>: each run draws its own masks from <see cref="MapJob{T}.Seed"/>, then multiplies.</summary>
        DropoutForward,

        /// <summary><see cref="Activations.Softmax{T}"/>, split by rows.</summary>
        Softmax,

        /// <summary><see cref="Losses.SoftmaxCrossEntropy{T}"/>'s rows (log-sum-exps and gradients), split by rows; the loss is summed afterwards.</summary>
        SoftmaxCrossEntropy,
    }

    /// <summary>
    /// An element-wise pass over a batch of convolution maps (BatchNorm, ReLU, 2×2 max pooling) or of a dense layer's
    /// activations (BatchNorm over rows, ReLU, dropout, softmax and its cross-entropy) split over the worker pool: on a
    /// 2-core machine these passes were a quarter of the Fashion CNN's step and ran on one thread while the convolutions
    /// ran on two. One cached instance per calling thread and element type holds the call's pinned spans as pointers (no allocation after the first call); each part writes only its own features, planes or run, and computes
    /// them exactly as the one-thread call does, so results do not depend on the thread count.
    /// </summary>
    internal sealed unsafe class MapJob<T> : IParallelWork
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Values per thread below which a pass stays on the calling thread: 2¹⁶ (a few tens of microseconds).</summary>
        public const int DefaultGrain = 1 << 16;

        /// <summary>
        /// The grain of the two heavier passes over a dense layer's activations, BatchNorm's training forward over rows (three
        /// passes over the batch) and dropout's forward (a random number per value): 2¹⁴ values per thread, so the Fashion
        /// MLP's 128 × 256 activations split and its 128 × 128 stay on one thread. Handing a part to the other thread costs a
        /// few microseconds: split from 2¹² values per thread, the Fashion MLP's cheaper passes (BatchNorm's backward, ReLU,
        /// dropout's multiply: a few microseconds each) took longer on two threads than on one, so they keep <see cref="DefaultGrain"/>.
        /// </summary>
        public const int DefaultLightGrain = 1 << 14;

        /// <summary>The grain in use: <see cref="GemmTuning.LightGrain"/>, <see cref="DefaultLightGrain"/> unless a benchmark changes it.</summary>
        public static int LightGrain => GemmTuning.LightGrain;

        /// <summary>The unit that runs of values are cut at: 64 values, whole cache lines of float or double.</summary>
        public const int RunStep = 64;

        [ThreadStatic]
        private static MapJob<T>? t_job;

        private readonly T*[] _pointers = new T*[10];
        private readonly int[] _lengths = new int[10];
        private int* _indexes;
        private int _indexLength;
        private double* _doubles;
        private int _doubleLength;

        public MapKind Kind { get; set; }

        public int Batch { get; set; }

        public int Features { get; set; }

        public int Spatial { get; set; }

        /// <summary>Units the pass is split by: features, planes or values.</summary>
        public int Units { get; set; }

        public T First { get; set; }

        public T Second { get; set; }

        public bool Flag { get; set; }

        public WindowGeometry Geometry { get; set; }

        /// <summary>The generator's state before the first value (<see cref="MapKind.DropoutForward"/>).</summary>
        public ulong Seed { get; set; }

        /// <summary>Parts are cut at multiples of this many units (a vector, or a block of masks); 1 unless set, reset after each run.</summary>
        public int Step { get; set; } = 1;

        public static MapJob<T> ForThisThread() => t_job ??= new MapJob<T>();

        /// <summary>How many threads a pass over <paramref name="values"/> values uses: one per <see cref="DefaultGrain"/> (<see cref="GemmTuning.ElementGrain"/>), at most <see cref="NetGenOptions.EffectiveDegreeOfParallelism"/>.</summary>
        public static int Threads(long values) => Threads(values, GemmTuning.ElementGrain);

        /// <summary>How many threads a pass over <paramref name="values"/> values uses: one per <paramref name="grain"/>, at most <see cref="NetGenOptions.EffectiveDegreeOfParallelism"/>.</summary>
        public static int Threads(long values, int grain) => (int)Math.Max(1, Math.Min(NetGenOptions.EffectiveDegreeOfParallelism, values / grain));

        public void Set(int slot, T* pointer, int length)
        {
            _pointers[slot] = pointer;
            _lengths[slot] = length;
        }

        public void SetDoubles(double* values, int length)
        {
            _doubles = values;
            _doubleLength = length;
        }

        public void SetIndexes(int* indexes, int length)
        {
            _indexes = indexes;
            _indexLength = length;
        }

        /// <summary>Runs the pass on up to <paramref name="threads"/> threads, two parts per thread, then forgets the pointers.</summary>
        public void Run(int threads)
        {
            try
            {
                WorkerPool.Shared.Run(this, Math.Min(Steps, 2 * threads), threads);
            }
            finally
            {
                Array.Clear(_pointers);
                _indexes = null;
                _doubles = null;
                Step = 1;
            }
        }

        /// <summary>The pieces of <see cref="Step"/> units (the last one may be shorter) that parts are made of.</summary>
        private int Steps => (int)(((long)Units + Step - 1) / Step);

        public void Run(int part, int parts)
        {
            int steps = Steps;
            int u0 = (int)Math.Min(Units, (long)steps * part / parts * Step), u1 = (int)Math.Min(Units, (long)steps * (part + 1) / parts * Step);
            switch (Kind)
            {
                case MapKind.BatchNormForward:
                    BatchNorm.ForwardTrainingPlanes(Read(0), Read(1), Read(2), Write(3), Write(4), Write(5), Write(6), Write(7), Batch, Features, Spatial, First, Second, u0, u1);
                    break;
                case MapKind.BatchNormBackward:
                    BatchNorm.BackwardPlanes(Read(0), Read(1), Read(2), Read(3), Write(4), Write(5), Write(6), Batch, Features, Spatial, Flag, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolForward:
                    BatchNorm.ForwardTrainingReLUMaxPoolPlanes(Read(0), Read(1), Read(2), Write(3), Write(4), Write(5), Write(6), Write(7), Write(8), Write(9), new Span<int>(_indexes, _indexLength), Batch, Geometry, First, Second, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolBackward:
                    BatchNorm.BackwardReLUMaxPoolPlanes(new ReadOnlySpan<int>(_indexes, _indexLength), Read(0), Read(1), Write(3), Read(4), Read(5), Read(6), Write(7), Write(8), Write(9), Batch, Geometry, Flag, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolForwardPooled:
                    BatchNorm.ForwardTrainingReLUMaxPoolPooledPlanes(Read(0), Read(1), Read(2), Write(3), Write(4), Write(5), Write(6), Write(7), new Span<int>(_indexes, _indexLength), Batch, Geometry, First, Second, u0, u1);
                    break;
                case MapKind.BatchNormShiftedMapSums:
                    BatchNorm.ShiftedMapSums(Read(0), Read(1), new Span<double>(_doubles, _doubleLength), Features, Spatial, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolNormalizeSamples:
                    BatchNorm.NormalizeReLUMaxPoolSamples(Read(0), Read(1), Read(2), Read(3), Read(4), Write(5), new Span<int>(_indexes, _indexLength), Geometry, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolBackwardFromInputs:
                    BatchNorm.BackwardReLUMaxPoolFromInputsPlanes(new ReadOnlySpan<int>(_indexes, _indexLength), Read(0), Read(1), Read(2), Read(3), Read(4), Read(5), Write(6), Write(7), Write(8), Write(9), Batch, Geometry, Flag, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolInference:
                    BatchNorm.ForwardInferenceReLUMaxPoolPlanes(Read(0), Read(1), Read(2), Read(3), Read(4), Write(5), new Span<int>(_indexes, _indexLength), Geometry, First, Flag, u0, u1);
                    break;
                case MapKind.BatchNormReLUMaxPoolInferenceBackward:
                    BatchNorm.BackwardInferenceReLUMaxPoolPlanes(new ReadOnlySpan<int>(_indexes, _indexLength), Read(0), Read(1), Read(2), Read(3), Write(4), Geometry, First, u0, u1);
                    break;
                case MapKind.MaxPool2By2:
                    Pooling.MaxForward2By2(Read(0), Write(1), new Span<int>(_indexes, _indexLength), u0, u1, Geometry, Flag);
                    break;
                case MapKind.ReLU:
                    TensorPrimitives.Max(Read(0).Slice(u0, u1 - u0), T.Zero, Write(1).Slice(u0, u1 - u0));
                    break;
                case MapKind.ReLUBackward:
                    Activations.ReLUBackwardRun(Read(0).Slice(u0, u1 - u0), Read(1).Slice(u0, u1 - u0), Write(2).Slice(u0, u1 - u0));
                    break;
                case MapKind.BatchNormRowsForward:
                    BatchNorm.ForwardTrainingRows(Read(0), Read(1), Read(2), Write(3), Write(4), Write(5), Write(6), Write(7), Batch, Features, First, Second, u0, u1);
                    break;
                case MapKind.BatchNormRowsBackward:
                    BatchNorm.BackwardRows(Read(0), Read(1), Read(2), Read(3), Write(4), Write(5), Write(6), Batch, Features, Flag, u0, u1);
                    break;
                case MapKind.Multiply:
                    TensorPrimitives.Multiply(Read(0).Slice(u0, u1 - u0), Read(1).Slice(u0, u1 - u0), Write(2).Slice(u0, u1 - u0));
                    break;
                case MapKind.Softmax:
                    Activations.SoftmaxRows(Read(0), Write(1), Features, u0, u1);
                    break;
                case MapKind.SoftmaxCrossEntropy:
                    Losses.SoftmaxCrossEntropyRows(Read(0), Read(1), Read(2), Write(3), new Span<double>(_doubles, _doubleLength), Features, First, Flag, u0, u1);
                    break;
                case MapKind.DropoutForward:
                    Dropout.ForwardRun(Read(0).Slice(u0, u1 - u0), Write(1).Slice(u0, u1 - u0), Write(2).Slice(u0, u1 - u0), First, Second, Seed, u0);
                    break;
            }
        }

        private ReadOnlySpan<T> Read(int slot) => new(_pointers[slot], _lengths[slot]);

        private Span<T> Write(int slot) => new(_pointers[slot], _lengths[slot]);
    }
}

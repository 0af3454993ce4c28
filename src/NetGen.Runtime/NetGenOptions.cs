using System;
using System.Globalization;
using System.Threading;
using NetGen.Kernels;

namespace NetGen
{
    /// <summary>
    /// Process-wide settings of NetGen's runtime kernels. They can be changed at any time; a kernel reads them once per
    /// call.
    /// </summary>
    public static class NetGenOptions
    {
        private static int s_maxDegreeOfParallelism = -1;

        /// <summary>
        /// The largest number of threads one kernel call may use, the calling thread included: <c>-1</c> (the default)
        /// for every processor (<see cref="Environment.ProcessorCount"/>), <c>1</c> to stay on the calling thread. Only
        /// products large enough to pay for the hand-over are split (a Dense layer at batch 128 is; a single sample never
        /// is), and the split never exceeds the processor count.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">The value is 0 or less than −1.</exception>
        public static int MaxDegreeOfParallelism
        {
            get => Volatile.Read(ref s_maxDegreeOfParallelism);
            set
            {
                if (value == 0 || value < -1)
                {
                    throw new ArgumentOutOfRangeException(
                        nameof(value),
                        value,
                        string.Create(CultureInfo.InvariantCulture, $"MaxDegreeOfParallelism is {value}; expected -1 (every processor) or a number of threads ≥ 1."));
                }

                Volatile.Write(ref s_maxDegreeOfParallelism, value);
            }
        }

        /// <summary>
        /// The instruction set of the matrix kernels, chosen once at start-up: <c>"Vector512"</c> (AVX-512),
        /// <c>"Vector256"</c> (AVX2 with FMA), <c>"Vector128"</c> (SSE on any x64, AdvSimd on ARM64; the path of a
        /// default Native AOT build for x64) or <c>"Scalar"</c> (the portable reference loops). The widest path the
        /// processor offers, unless the environment variable <c>NETGEN_KERNEL_PATH</c> (read once, before the first
        /// kernel call) names a narrower one; <see cref="KernelPathReason"/> says which.
        /// </summary>
        /// <remarks>
        /// <c>NETGEN_KERNEL_PATH</c> takes <c>Vector512</c>, <c>Vector256</c>, <c>Vector128</c> or <c>Scalar</c> (any
        /// case) and only ever narrows the choice: a path wider than the processor offers gives the widest it has. Any
        /// other value is a mistake: every kernel call, this property and <see cref="KernelPathReason"/> throw an
        /// <see cref="InvalidOperationException"/> that names the value and the expected ones.
        /// </remarks>
        /// <exception cref="InvalidOperationException"><c>NETGEN_KERNEL_PATH</c> names no path.</exception>
        public static string KernelPath => Gemm.DefaultPath.ToString();

        /// <summary>
        /// Why <see cref="KernelPath"/> is the path in use, in one sentence: the processor's widest path, the one
        /// <c>NETGEN_KERNEL_PATH</c> forced, or the processor's widest because the variable asked for more.
        /// </summary>
        /// <exception cref="InvalidOperationException"><c>NETGEN_KERNEL_PATH</c> names no path.</exception>
        public static string KernelPathReason => KernelPaths.Reason;

        /// <summary>The number of threads a kernel call may use now: <see cref="MaxDegreeOfParallelism"/> capped by the processor count.</summary>
        internal static int EffectiveDegreeOfParallelism
        {
            get
            {
                int processors = Environment.ProcessorCount;
                int cap = MaxDegreeOfParallelism;
                return cap == -1 ? processors : Math.Min(cap, processors);
            }
        }
    }
}

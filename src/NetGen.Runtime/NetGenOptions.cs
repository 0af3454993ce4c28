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
        /// The instruction set the matrix kernels chose at start-up: <c>"Vector512"</c> (AVX-512), <c>"Vector256"</c>
        /// (AVX2 with FMA) or <c>"Scalar"</c> (the portable reference loops).
        /// </summary>
        public static string KernelPath => Gemm.DefaultPath.ToString();

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

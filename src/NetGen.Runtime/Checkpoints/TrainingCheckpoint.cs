using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using NetGen.Optimizers;
using NetGen.Training;

namespace NetGen.Checkpoints
{
    /// <summary>
    /// Saves and restores a training run, so that training stopped after an epoch and resumed continues exactly as if
    /// it had never stopped (the same losses, bit for bit): the network's model checkpoint (<see cref="Checkpoint"/>)
    /// with its dropout generator, the optimizer's state (<see cref="IOptimizerState{T}"/>: moments, step count,
    /// learning rate), the number of completed epochs (which is the position of per-epoch and per-batch schedules),
    /// the shuffling generator and the history so far. The format (<c>.ngtc</c>) is in <c>docs/model-format.md</c>.
    /// </summary>
    /// <remarks>
    /// <para>Resuming: build the same network, optimizer and <see cref="TrainerOptions"/> as the interrupted run, call
    /// <see cref="Load{T}(Trainer{T}, string)"/>, then <see cref="Trainer{T}.Fit(NetGen.Data.Dataset{T}, NetGen.Data.Dataset{T}, System.IProgress{NetGen.Training.TrainingProgress}, System.Threading.CancellationToken)"/> with the same data: it runs epochs
    /// <c>completed + 1</c> … <see cref="TrainerOptions.Epochs"/>. Callbacks keep their own counters (early stopping's and
    /// <see cref="ReduceLearningRateOnPlateau{T}"/>'s patience start again; the learning rate itself is restored).</para>
    /// <para>Loading checks the whole file (magic, version, checksum, precision, architecture, sizes, optimizer kind)
    /// before it changes anything; saving is atomic.</para>
    /// </remarks>
    public static class TrainingCheckpoint
    {
        /// <summary>The format version this code writes and reads.</summary>
        public const int FormatVersion = 1;

        /// <summary>The conventional file extension.</summary>
        public const string Extension = ".ngtc";

        private static ReadOnlySpan<byte> Magic => "NGTC"u8;

        /// <summary>Saves the state of <paramref name="trainer"/> (after its last completed epoch) to <paramref name="path"/>, atomically.</summary>
        /// <exception cref="NotSupportedException">The trainer's optimizer does not implement <see cref="IOptimizerState{T}"/>.</exception>
        public static void Save<T>(Trainer<T> trainer, string path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(trainer);
            ArgumentNullException.ThrowIfNull(path);
            ModelFile.WriteAtomically(path, ToBytes(trainer), "training checkpoint", Extension);
        }

        /// <summary>The training checkpoint of <paramref name="trainer"/> as bytes.</summary>
        public static byte[] ToBytes<T>(Trainer<T> trainer)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(trainer);
            IOptimizerState<T> optimizer = StatefulOptimizer(trainer);
            OptimizerState<T> state = optimizer.SaveState();
            using var stream = new MemoryStream();
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write((ushort)FormatVersion);
                writer.Write((byte)Unsafe.SizeOf<T>());
                writer.Write((byte)0);
                byte[] model = Checkpoint.ToBytes(trainer.Network);
                writer.Write(model.Length);
                writer.Write(model);
                writer.Write(trainer.Network.RandomState);
                writer.Write(trainer.CompletedEpochs);
                writer.Write(trainer.ShuffleState);

                writer.Write(state.Kind);
                writer.Write(state.StepCount);
                writer.Write(state.LearningRate);
                writer.Write(state.ParameterCount);
                writer.Write(state.Buffers.Count);
                foreach (T[] buffer in state.Buffers)
                {
                    writer.Write(buffer.Length);
                    foreach (T value in buffer)
                    {
                        WriteValue(writer, value);
                    }
                }

                IReadOnlyList<EpochMetrics> history = trainer.History.Epochs;
                int epochs = Math.Min(history.Count, trainer.CompletedEpochs);
                writer.Write(epochs);
                for (int i = 0; i < epochs; i++)
                {
                    EpochMetrics m = history[i];
                    writer.Write(m.Epoch);
                    writer.Write(m.TrainingLoss);
                    writer.Write(m.TrainingAccuracy ?? double.NaN);
                    writer.Write(m.ValidationLoss ?? double.NaN);
                    writer.Write(m.ValidationAccuracy ?? double.NaN);
                    writer.Write(m.LearningRate);
                    writer.Write(m.GradientNorm);
                    writer.Write(m.Elapsed.Ticks);
                }
            }

            uint crc = Crc32.Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length));
            Span<byte> tail = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(tail, crc);
            stream.Write(tail);
            return stream.ToArray();
        }

        /// <summary>
        /// Restores the training run saved at <paramref name="path"/> into <paramref name="trainer"/>: its network,
        /// optimizer, epoch count, shuffling generator and history. The next <see cref="Trainer{T}.Fit(NetGen.Data.Dataset{T}, NetGen.Data.Dataset{T}, System.IProgress{NetGen.Training.TrainingProgress}, System.Threading.CancellationToken)"/> continues with
        /// the epoch after the saved one.
        /// </summary>
        /// <exception cref="CheckpointException">The file is not a valid training checkpoint for this network and optimizer; nothing is changed.</exception>
        public static void Load<T>(Trainer<T> trainer, string path)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(trainer);
            ArgumentNullException.ThrowIfNull(path);
            Load(trainer, ModelFile.Read(path, "training checkpoint"), Path.GetFileName(path));
        }

        /// <summary>Restores a training run held in <paramref name="bytes"/> (see <see cref="Load{T}(Trainer{T}, string)"/>).</summary>
        /// <exception cref="CheckpointException">The bytes are not a valid training checkpoint for this network and optimizer; nothing is changed.</exception>
        public static void Load<T>(Trainer<T> trainer, ReadOnlySpan<byte> bytes, string sourceName = "training checkpoint")
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            ArgumentNullException.ThrowIfNull(trainer);
            IOptimizerState<T> optimizer = StatefulOptimizer(trainer);
            Saved<T> saved = Parse<T>(bytes, sourceName);
            INetwork<T> network = trainer.Network;

            // Check the model part against the network without changing it (Checkpoint.Load checks before it writes).
            CheckpointInfo info = Checkpoint.ReadInfo(saved.Model, sourceName);
            if (!string.Equals(info.Architecture, network.Architecture ?? string.Empty, StringComparison.Ordinal))
            {
                throw new CheckpointException(CheckpointError.ArchitectureMismatch, sourceName,
                    $"the file was saved from the architecture '{info.Architecture}' but this network is '{network.Architecture}'");
            }

            OptimizerState<T> before = optimizer.SaveState();
            try
            {
                optimizer.RestoreState(saved.Optimizer);
            }
            catch (ArgumentException e)
            {
                throw new CheckpointException(CheckpointError.SizeMismatch, sourceName, "the optimizer state does not fit this optimizer: " + e.Message.TrimEnd('.'), e);
            }

            if (saved.Optimizer.ParameterCount >= 0 && saved.Optimizer.ParameterCount != network.Parameters.Length)
            {
                optimizer.RestoreState(before);
                throw new CheckpointException(CheckpointError.SizeMismatch, sourceName,
                    Invariant($"the optimizer state is for {saved.Optimizer.ParameterCount} parameters but the network has {network.Parameters.Length}"));
            }

            try
            {
                Checkpoint.Load(network, saved.Model, sourceName);
            }
            catch (CheckpointException)
            {
                optimizer.RestoreState(before);
                throw;
            }

            network.RandomState = saved.RandomState;
            trainer.ResumeAt(saved.CompletedEpochs, saved.ShuffleState, saved.History);
        }

        private static Saved<T> Parse<T>(ReadOnlySpan<byte> bytes, string source)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (bytes.Length < 12 || !bytes[..4].SequenceEqual(Magic))
            {
                throw new CheckpointException(bytes.Length < 12 && bytes.Length > 0 && Magic.StartsWith(bytes[..Math.Min(4, bytes.Length)]) ? CheckpointError.Truncated : CheckpointError.NotACheckpoint, source,
                    "not a NetGen training checkpoint: expected the magic \"NGTC\" (4E 47 54 43)" + (bytes.Length >= 4 && bytes[..4].SequenceEqual("NGMD"u8) ? "; this is a model file: load it with Checkpoint.Load" : string.Empty));
            }

            int version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
            if (version != FormatVersion)
            {
                throw new CheckpointException(CheckpointError.UnsupportedVersion, source, Invariant($"format version {version} is not supported; this NetGen reads version {FormatVersion}"));
            }

            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
            uint computed = Crc32.Compute(bytes[..^4]);
            if (stored != computed)
            {
                throw new CheckpointException(CheckpointError.ChecksumMismatch, source, Invariant($"the file is corrupt or truncated: its CRC-32 is 0x{stored:X8} but the content gives 0x{computed:X8}"));
            }

            int width = bytes[6];
            if (width != Unsafe.SizeOf<T>())
            {
                throw new CheckpointException(CheckpointError.PrecisionMismatch, source, Invariant($"the file holds {width}-byte values but the network computes in {Unsafe.SizeOf<T>()}-byte values"));
            }

            using var reader = new BinaryReader(new MemoryStream(bytes[8..^4].ToArray()), Encoding.UTF8);
            try
            {
                byte[] model = reader.ReadBytes(Count(reader.ReadInt32(), reader));
                ulong randomState = reader.ReadUInt64();
                int completed = reader.ReadInt32();
                ulong shuffle = reader.ReadUInt64();
                string kind = reader.ReadString();
                long steps = reader.ReadInt64();
                double rate = reader.ReadDouble();
                int parameterCount = reader.ReadInt32();
                var buffers = new T[Count(reader.ReadInt32(), reader)][];
                for (int i = 0; i < buffers.Length; i++)
                {
                    var buffer = new T[Count(reader.ReadInt32(), reader, width)];
                    for (int j = 0; j < buffer.Length; j++)
                    {
                        buffer[j] = ReadValue<T>(reader);
                    }

                    buffers[i] = buffer;
                }

                var history = new EpochMetrics[Count(reader.ReadInt32(), reader, 60)];
                for (int i = 0; i < history.Length; i++)
                {
                    int epoch = reader.ReadInt32();
                    double loss = reader.ReadDouble();
                    double? accuracy = Optional(reader.ReadDouble());
                    double? validationLoss = Optional(reader.ReadDouble());
                    double? validationAccuracy = Optional(reader.ReadDouble());
                    double epochRate = reader.ReadDouble();
                    double norm = reader.ReadDouble();
                    long ticks = reader.ReadInt64();
                    history[i] = new EpochMetrics(epoch, loss, accuracy, validationLoss, validationAccuracy, epochRate, norm, TimeSpan.FromTicks(ticks));
                }

                if (reader.BaseStream.Position != reader.BaseStream.Length || completed < 0 || steps < 0 || parameterCount < -1 || !(rate >= 0 && double.IsFinite(rate)))
                {
                    throw new CheckpointException(CheckpointError.Corrupt, source, "the content is inconsistent although the checksum matches");
                }

                return new Saved<T>(model, randomState, completed, shuffle, new OptimizerState<T>(kind, steps, rate, parameterCount, buffers), history);
            }
            catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException)
            {
                throw new CheckpointException(CheckpointError.Corrupt, source, "the content is inconsistent although the checksum matches", e);
            }
        }

        /// <summary>A length read from the file, checked against what is left, so a corrupt count never allocates gigabytes.</summary>
        private static int Count(int count, BinaryReader reader, int bytesEach = 1)
        {
            long left = reader.BaseStream.Length - reader.BaseStream.Position;
            if (count < 0 || (long)count * bytesEach > left)
            {
                throw new EndOfStreamException();
            }

            return count;
        }

        private static double? Optional(double value) => double.IsNaN(value) ? null : value;

        private static void WriteValue<T>(BinaryWriter writer, T value)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            // float → float and double → double are exact: the bits are kept (BinaryWriter is little-endian everywhere).
            if (Unsafe.SizeOf<T>() == 4)
            {
                writer.Write(float.CreateTruncating(value));
            }
            else
            {
                writer.Write(double.CreateTruncating(value));
            }
        }

        private static T ReadValue<T>(BinaryReader reader)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            Unsafe.SizeOf<T>() == 4 ? T.CreateTruncating(reader.ReadSingle()) : T.CreateTruncating(reader.ReadDouble());

        private static IOptimizerState<T> StatefulOptimizer<T>(Trainer<T> trainer)
            where T : unmanaged, IFloatingPointIeee754<T> =>
            trainer.Optimizer as IOptimizerState<T>
            ?? throw new NotSupportedException($"A training checkpoint needs the optimizer's state, but {trainer.Optimizer.GetType().Name} does not implement IOptimizerState<T>. Every NetGen optimizer does.");

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

        private sealed record Saved<T>(byte[] Model, ulong RandomState, int CompletedEpochs, ulong ShuffleState, OptimizerState<T> Optimizer, IReadOnlyList<EpochMetrics> History);
    }
}

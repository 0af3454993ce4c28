using System;
using System.IO;
using System.Linq;
using NetGen.Checkpoints;
using NetGen.Runtime.Tests.Training;

namespace NetGen.Runtime.Tests.Checkpoints
{
    /// <summary>Saving and loading by path: read-only targets, permissions, directories, missing files, temporary files.</summary>
    public sealed class CheckpointFileTests : IDisposable
    {
        private readonly string _folder = Path.Combine(Path.GetTempPath(), "netgen-ckptfile-" + Guid.NewGuid().ToString("N"));

        public CheckpointFileTests() => Directory.CreateDirectory(_folder);

        public void Dispose()
        {
            foreach (string file in Directory.GetFiles(_folder, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(_folder, recursive: true);
        }

        private static SoftmaxRegression<float> Network(ulong seed)
        {
            var network = new SoftmaxRegression<float>(4, 3, seed) { RandomState = seed * 77 };
            network.State[0] = 0.5f + seed;
            network.Gradients.Fill(seed);
            return network;
        }

        private static TrainingSnapshot Snapshot(SoftmaxRegression<float> network) => TrainingSnapshot.Take(network);

        private string[] Entries() => Directory.GetFileSystemEntries(_folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray()!;

        [Theory]
        [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead)] // 0444
        [InlineData(UnixFileMode.UserRead)]                                                   // 0400
        [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.GroupWrite)] // 0460: group may write, the owner may not
        public void Save_OverAReadOnlyFile_IsRefused_AndChangesNothing(UnixFileMode mode)
        {
            if (OperatingSystem.IsWindows())
            {
                return; // Unix file modes; the repository's CI runs on Linux
            }

            string path = Path.Combine(_folder, "frozen.ngmd");
            Checkpoint.Save(Network(1), path);
            byte[] before = File.ReadAllBytes(path);
            File.SetUnixFileMode(path, mode);

            var e = Assert.Throws<UnauthorizedAccessException>(() => Checkpoint.Save(Network(2), path));

            Assert.Contains(path, e.Message);
            Assert.Contains("read-only", e.Message);
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal(mode, File.GetUnixFileMode(path));
            Assert.Equal(new[] { "frozen.ngmd" }, Entries()); // no temporary file left
        }

        [Theory]
        [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite)]                                                    // 0600
        [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]                           // 0640
        [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead)] // 0664
        public void Save_OverAWritableFile_ReplacesIt_AndKeepsItsMode(UnixFileMode mode)
        {
            if (OperatingSystem.IsWindows())
            {
                return; // Unix file modes; the repository's CI runs on Linux
            }

            string path = Path.Combine(_folder, "model.ngmd");
            Checkpoint.Save(Network(1), path);
            File.SetUnixFileMode(path, mode);

            Checkpoint.Save(Network(2), path);

            Assert.Equal(mode, File.GetUnixFileMode(path));
            var loaded = new SoftmaxRegression<float>(4, 3);
            Checkpoint.Load(loaded, path);
            Assert.Equal(Network(2).Parameters.ToArray(), loaded.Parameters.ToArray());
            Assert.Equal(new[] { "model.ngmd" }, Entries());
        }

        [Fact]
        public void Save_ToADirectory_SaysSo_AndLeavesNothing()
        {
            string path = Path.Combine(_folder, "models");
            Directory.CreateDirectory(path);

            var e = Assert.Throws<IOException>(() => Checkpoint.Save(Network(1), path));
            Assert.Contains("is a directory", e.Message);
            Assert.Contains(path, e.Message);

            e = Assert.Throws<IOException>(() => Checkpoint.Save(Network(1), Path.Combine(_folder, "not-yet") + Path.DirectorySeparatorChar));
            Assert.Contains("directory", e.Message);

            Assert.Equal(new[] { "models" }, Entries());
            Assert.Empty(Directory.GetFileSystemEntries(path));
        }

        [Fact]
        public void Save_ToAMissingDirectory_NamesTheTarget_NotTheTemporaryFile()
        {
            string path = Path.Combine(_folder, "nowhere", "model.ngmd");
            var e = Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(Network(1), path));
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain(".tmp", e.Message);
            Assert.Empty(Entries());
        }

        [Fact]
        public void Save_WithALongFileName_Works_AndLeavesOnlyTheTarget()
        {
            // 250 characters: the temporary name must not be longer than the file-name limit of 255.
            string name = new string('m', 245) + ".ngmd";
            string path = Path.Combine(_folder, name);
            Checkpoint.Save(Network(3), path);
            Checkpoint.Save(Network(4), path);
            Assert.Equal(new[] { name }, Entries());
        }

        [Fact]
        public void Load_FromADirectory_OrAMissingFile_IsClear_AndChangesNothing()
        {
            var network = Network(5);
            TrainingSnapshot before = Snapshot(network);

            var e = Assert.Throws<IOException>(() => Checkpoint.Load(network, _folder));
            Assert.Contains("is a directory", e.Message);
            Assert.Contains(_folder, e.Message);

            string missing = Path.Combine(_folder, "missing.ngmd");
            var notFound = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(network, missing));
            Assert.Contains(missing, notFound.Message);
            Assert.Contains("no such file", notFound.Message);

            notFound = Assert.Throws<FileNotFoundException>(() => Checkpoint.Load(network, Path.Combine(_folder, "gone", "m.ngmd")));
            Assert.Contains("does not exist", notFound.Message);

            Assert.Throws<IOException>(() => Checkpoint.ReadInfo(_folder));
            Assert.Throws<FileNotFoundException>(() => Checkpoint.ReadInfo(missing));
            before.AssertEqual(Snapshot(network));
            Assert.Empty(Entries());
        }
    }
}

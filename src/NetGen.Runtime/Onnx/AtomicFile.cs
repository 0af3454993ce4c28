using System;
using System.IO;

namespace NetGen.OnnxFormat
{
    /// <summary>
    /// Writes a file so that a crash never leaves half of it: a temporary file beside the target, flushed to disk, then
    /// moved over the target. The same steps as <c>Checkpoint.Save</c>.
    /// </summary>
    internal static class AtomicFile
    {
        public static void Write(string path, ReadOnlySpan<byte> bytes)
        {
            ArgumentNullException.ThrowIfNull(path);
            string full = Path.GetFullPath(path);
            string directory = Path.GetDirectoryName(full) ?? ".";
            string temporary = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes);
                    stream.Flush(flushToDisk: true);
                }

                File.Move(temporary, full, overwrite: true);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}

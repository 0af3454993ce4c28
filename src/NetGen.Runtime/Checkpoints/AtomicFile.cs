using System;
using System.IO;

namespace NetGen.Checkpoints
{
    /// <summary>
    /// Writes a whole file or nothing: the bytes go to a temporary file next to the target, are flushed to disk and then
    /// moved over the target, as <see cref="Checkpoint.Save{T}(INetwork{T}, string)"/> does.
    /// </summary>
    internal static class AtomicFile
    {
        public static void Write(string path, ReadOnlySpan<byte> bytes)
        {
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
                try
                {
                    File.Delete(temporary);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }

                throw;
            }
        }
    }
}

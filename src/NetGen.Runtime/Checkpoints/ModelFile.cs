using System;
using System.IO;

namespace NetGen.Checkpoints
{
    /// <summary>
    /// Reading and atomically replacing model files, with errors that name the file the user asked for (never the
    /// temporary one) and that keep the owner's intent: a read-only file is not replaced, and a replaced file keeps its
    /// Unix permissions.
    /// </summary>
    internal static class ModelFile
    {
        /// <summary>
        /// Writes <paramref name="bytes"/> to <paramref name="path"/>: to a temporary file in the same directory, flushed to
        /// disk, then moved over the target, so a crash leaves either the old file or the new one. On every failure the
        /// temporary file is deleted.
        /// </summary>
        /// <exception cref="UnauthorizedAccessException">The target is read-only (no owner write permission, or the Windows read-only attribute).</exception>
        /// <exception cref="IOException">The target is a directory, its directory does not exist, or writing failed.</exception>
        public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes, string what, string extension = Checkpoint.Extension)
        {
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new IOException($"Cannot save the {what} to '{full}': it is a directory. Give a file name, e.g. '{Path.Combine(full, "model" + extension)}'.");
            }

            if (Path.EndsInDirectorySeparator(full))
            {
                throw new IOException($"Cannot save the {what} to '{full}': the path ends with a directory separator, so it names a directory, not a file.");
            }

            string directory = Path.GetDirectoryName(full) ?? ".";
            if (!Directory.Exists(directory))
            {
                throw new DirectoryNotFoundException($"Cannot save the {what} to '{full}': the directory '{directory}' does not exist.");
            }

            UnixFileMode? mode = null;
            if (File.Exists(full))
            {
                if (OperatingSystem.IsWindows())
                {
                    if ((File.GetAttributes(full) & FileAttributes.ReadOnly) != 0)
                    {
                        throw ReadOnly(full, what, "it has the read-only attribute");
                    }
                }
                else
                {
                    UnixFileMode current = File.GetUnixFileMode(full);
                    if ((current & UnixFileMode.UserWrite) == 0)
                    {
                        throw ReadOnly(full, what, "its mode " + Octal(current) + " has no write permission for its owner");
                    }

                    mode = current;
                }
            }

            // Short enough for any file-name limit (255 bytes) whatever the target's own name; hidden; unique.
            string name = Path.GetFileName(full);
            string temporary = Path.Combine(directory, "." + name[..Math.Min(name.Length, 64)] + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
            try
            {
                using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    stream.Write(bytes);
                    stream.Flush(flushToDisk: true);
                }

                if (mode is { } keep && !OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(temporary, keep);
                }

                File.Move(temporary, full, overwrite: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryDelete(temporary);
                string reason = e switch
                {
                    UnauthorizedAccessException => $"permission denied (can a file be created in '{directory}'?)",
                    _ => e.Message.Replace(temporary, full, StringComparison.Ordinal),
                };
                string message = $"Cannot save the {what} to '{full}': {reason}";
                throw e is UnauthorizedAccessException ? new UnauthorizedAccessException(message, e) : new IOException(message, e);
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }

        /// <summary>Reads the whole file, with a clear message for a missing file or a directory.</summary>
        /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
        /// <exception cref="IOException"><paramref name="path"/> is a directory.</exception>
        public static byte[] Read(string path, string what)
        {
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new IOException($"Cannot load the {what} '{full}': it is a directory, not a file.");
            }

            if (!File.Exists(full))
            {
                string directory = Path.GetDirectoryName(full) ?? ".";
                string where = Directory.Exists(directory) ? "there is no such file" : $"the directory '{directory}' does not exist";
                throw new FileNotFoundException($"Cannot load the {what} '{full}': {where}.", full);
            }

            return File.ReadAllBytes(full);
        }

        private static UnauthorizedAccessException ReadOnly(string full, string what, string why) => new(
            $"Cannot save the {what} to '{full}': the file is read-only ({why}). NetGen does not replace a read-only file; make it writable or save under another name.");

        private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8);

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

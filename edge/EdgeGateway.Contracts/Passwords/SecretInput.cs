namespace EdgeGateway.Contracts.Passwords;

/// <summary>
/// The one rule, in both programs, for a password a command needs: never a command-line value (every user reads
/// <c>/proc/*/cmdline</c>), but one line from stdin (<c>--…-stdin</c>) or from a file only its owner can read
/// (<c>--…-file</c>, mode 600 like the secrets files).
/// </summary>
public static class SecretInput
{
    /// <summary>Longer than any password; a bigger file is not a password file.</summary>
    public const int MaxLength = 4096;

    /// <summary>The line to print for a password given as a flag's value: what to use instead.</summary>
    public static string FlagRefused(string flag, string fileFlag, string stdinFlag, string? variable = null) =>
        $"{flag} is refused: a password on the command line is visible to every user of this machine (/proc/*/cmdline); "
        + $"use {fileFlag} FILE (mode 600), {stdinFlag}{(variable is null ? string.Empty : $", {variable}")} or the prompt";

    /// <summary>
    /// The password from <paramref name="file"/> or, when <paramref name="fromStdin"/>, one line of
    /// <paramref name="stdin"/>; null when neither was asked for. A problem is one line naming the flag.
    /// </summary>
    public static string? Read(string? file, bool fromStdin, string fileFlag, string stdinFlag, TextReader stdin, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(stdin);
        problem = null;
        if (file is not null && fromStdin)
        {
            problem = $"{fileFlag} and {stdinFlag} are both given; expected one of them";
            return null;
        }

        if (fromStdin)
        {
            var line = stdin.ReadLine();
            return Checked(line, stdinFlag, "stdin", out problem);
        }

        if (file is null)
        {
            return null;
        }

        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(file) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
            {
                var mode = Convert.ToString((int)File.GetUnixFileMode(file), 8);
                problem = $"{fileFlag} = '{file}': the file is mode {mode}, so other users can read it; expected mode 600 (`chmod 600 {file}`)";
                return null;
            }

            if (new FileInfo(file).Length > MaxLength)
            {
                problem = $"{fileFlag} = '{file}': expected a file holding one line, the password (at most {MaxLength} bytes)";
                return null;
            }

            using var reader = new StreamReader(file);
            return Checked(reader.ReadLine(), fileFlag, $"'{file}'", out problem);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{fileFlag} = '{file}': cannot read it ({ex.Message}); expected a file holding the password, mode 600";
            return null;
        }
    }

    private static string? Checked(string? line, string flag, string where, out string? problem)
    {
        // A trailing CR from a file written on Windows is not part of the password.
        var password = line?.TrimEnd('\r');
        problem = string.IsNullOrEmpty(password) ? $"{flag}: {where} holds no password; expected one line with it" : null;
        return problem is null ? password : null;
    }
}

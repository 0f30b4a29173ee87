using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace SocSim.Cli;

/// <summary>
/// The one place a command line becomes a run: every parse error of every command is one line
/// `socsim: ...` on stderr and exit status 2 (never the help text, never a .NET type name), an unknown
/// option is named with the closest option of that command, and `--help` still prints the help on
/// stdout with exit 0. Whatever escapes a command's own error handling is one line too, never a
/// stack trace.
/// </summary>
internal static class Usage
{
    /// <summary>An internal error that escaped every command's own handling (a bug in SocSim).</summary>
    public const int ExitInternal = 70;

    /// <summary>The longest line written to stderr; the rest of a longer line is replaced by its length.</summary>
    public const int MaxErrorLine = 1000;

    public static int Invoke(RootCommand root, string[] args)
    {
        // No line on stderr runs on for megabytes, whatever input it quotes.
        Console.SetError(TextWriter.Synchronized(new LineCappedWriter(Console.Error, MaxErrorLine)));
        var parse = root.Parse(args);
        if (!AsksForHelp(root, parse) && Error(parse) is string error)
        {
            Console.Error.WriteLine(error);
            return Defaults.ExitUsage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            string verb = string.Join(' ', CommandPath(parse.CommandResult));
            Console.Error.WriteLine($"socsim{(verb.Length > 0 ? " " + verb : "")}: internal error ({e.GetType().Name}): {Quote(e.Message, 200)}");
            return ExitInternal;
        }
    }

    /// <summary>--help (or -h, -?) anywhere, or the root's --version: these print to stdout and exit 0 whatever else is wrong.</summary>
    private static bool AsksForHelp(RootCommand root, ParseResult parse) =>
        parse.Action is HelpAction || root.Options.OfType<VersionOption>().Any(v => parse.GetResult(v) != null);

    /// <summary>Text from the user cut to <paramref name="limit"/> characters, so that a bad 10 MB input gives a short line.</summary>
    public static string Quote(string text, int limit = SocSim.Core.HostInput.QuoteLimit) => SocSim.Core.HostInput.Quote(text, limit);

    /// <summary>The first problem with the command line, as one line; null when there is none.</summary>
    internal static string? Error(ParseResult parse)
    {
        var command = parse.CommandResult;
        string where = string.Join(' ', CommandPath(command));
        string self = where.Length > 0 ? "socsim " + where : "socsim", prefix = self + ": ";
        bool doubleDash = parse.Tokens.Any(t => t.Type == TokenType.DoubleDash);

        // An unknown option: either unmatched, or taken as a positional argument (an ELF named --stat).
        var unknown = parse.UnmatchedTokens.FirstOrDefault(LooksLikeOption);
        if (unknown == null && !doubleDash)
            unknown = command.Children.OfType<ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value).FirstOrDefault(LooksLikeOption);
        if (unknown != null)
        {
            string name = unknown.Split('=', 2)[0];
            var names = AllOptions(command.Command).SelectMany(o => o.Aliases.Prepend(o.Name));
            return Closest(name, names) is string near
                ? $"{prefix}unknown option '{Quote(name)}' (did you mean {near}?)"
                : $"{prefix}unknown option '{Quote(name)}' (see {self} --help)";
        }
        if (parse.UnmatchedTokens.Count > 0)
        {
            string token = parse.UnmatchedTokens[0];
            var subcommands = command.Command.Subcommands.Select(c => c.Name).ToList();
            if (subcommands.Count > 0)
                return Closest(token, subcommands) is string near
                    ? $"{prefix}unknown command '{Quote(token)}' (did you mean {near}?)"
                    : $"{prefix}unknown command '{Quote(token)}' (the commands are: {string.Join(", ", subcommands)})";
            return $"{prefix}unexpected argument '{Quote(token)}'";
        }
        if (parse.Errors.Count == 0) return null;
        var e = parse.Errors[0];
        if (command.Command.Subcommands.Count > 0 && command.Command.Action == null)
            return $"{prefix}give a command: {string.Join(", ", command.Command.Subcommands.Select(c => c.Name))} (see {self} --help)";
        switch (e.SymbolResult)
        {
            case OptionResult o when e.Message.Contains("is required", StringComparison.Ordinal):
                return $"{prefix}missing {o.Option.Name} ({o.Option.Description})";
            case OptionResult o:
                return OptionError(prefix, o.Option.Name, o.Option.ValueType, o.Tokens, e.Message, HelpName(o.Option));
            case ArgumentResult a when a.Parent is OptionResult o:
                return OptionError(prefix, o.Option.Name, o.Option.ValueType, a.Tokens, e.Message, HelpName(o.Option));
            case ArgumentResult a when a.Tokens.Count == 0:
                return $"{prefix}missing {a.Argument.Name} ({a.Argument.Description})";
            case ArgumentResult a:
                return OptionError(prefix, a.Argument.Name, a.Argument.ValueType, a.Tokens, e.Message, a.Argument.Name);
            default:
                // A required option left out: name it with what it is for.
                var required = AllOptions(command.Command).FirstOrDefault(o => o.Required && command.GetResult(o) == null);
                return required != null ? $"{prefix}missing {required.Name} ({required.Description})" : prefix + Clean(e.Message);
        }
    }

    private static string OptionError(string prefix, string name, Type type, IReadOnlyList<Token> tokens, string message, string helpName)
    {
        // The library's own wording names .NET types ("System.Nullable`1[System.Int64]"): say what is expected instead.
        if (message.StartsWith("Cannot parse argument", StringComparison.Ordinal) && tokens.Count > 0)
            return $"{prefix}{name}: expected {Expected(type)}, got '{Quote(tokens[^1].Value)}'";
        if (tokens.Count == 0 && message.Contains("Required argument missing", StringComparison.Ordinal))
            return $"{prefix}{name} needs a value: {helpName}";
        int among = message.IndexOf("Must be one of:", StringComparison.Ordinal);
        if (among >= 0 && tokens.Count > 0)
        {
            var choices = message[(among + "Must be one of:".Length)..].Split(['\t', ' ', '\'', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return $"{prefix}{name}: expected one of {string.Join(", ", choices)}, got '{Quote(tokens[^1].Value)}'";
        }
        // A custom parser's or a validator's message already names the option.
        string text = Clean(message);
        return prefix + (text.StartsWith(name, StringComparison.Ordinal) ? text : $"{name}: {text}");
    }

    private static string HelpName(Option o) => o.HelpName ?? Expected(o.ValueType);

    /// <summary>Refuses a whole number outside [min, max] with one line naming the option and the range.</summary>
    public static T InRange<T>(this T option, long min, long max) where T : Option
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            string text = r.Tokens[^1].Value;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && (v < min || v > max))
                r.AddError($"{option.Name}: expected a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}, got '{Quote(text)}'");
        });
        return option;
    }

    /// <summary>What a value of this type looks like, in the user's terms.</summary>
    internal static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray) type = type.GetElementType()!;
        if (type == typeof(int)) return "a whole number up to " + int.MaxValue.ToString(CultureInfo.InvariantCulture);
        if (type == typeof(long)) return "a whole number up to " + long.MaxValue.ToString(CultureInfo.InvariantCulture);
        if (type == typeof(uint) || type == typeof(ulong)) return "a whole number";
        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return "a number";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(FileInfo)) return "a file";
        if (type == typeof(DirectoryInfo)) return "a directory";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()));
        return "a value";
    }

    /// <summary>The library's message made one line with the user's words (quotes cut, no type names, no final period).</summary>
    private static string Clean(string message)
    {
        message = message.ReplaceLineEndings(" ").Trim();
        if (message.Length > 300) message = Quote(message, 300);
        return message.TrimEnd('.');
    }

    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static IEnumerable<Option> AllOptions(Command command) => command.Options.Where(o => !o.Hidden);

    private static IEnumerable<string> CommandPath(CommandResult? result)
    {
        var names = new List<string>();
        for (var r = result; r != null && r.Command is not RootCommand; r = r.Parent as CommandResult) names.Insert(0, r.Command.Name);
        return names;
    }

    /// <summary>The candidate nearest to <paramref name="word"/>: a prefix, or within a few edits; null when none is close.</summary>
    internal static string? Closest(string word, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates.Distinct())
        {
            int d = c.StartsWith(word, StringComparison.Ordinal) && word.TrimStart('-').Length >= 2 ? 1 : Distance(word, c);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return best != null && bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
    }

    /// <summary>Optimal string alignment distance (Levenshtein with adjacent transpositions).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}

/// <summary>A writer that cuts each line after <paramref name="maxLine"/> characters and says how long it was.</summary>
internal sealed class LineCappedWriter(TextWriter inner, int maxLine) : TextWriter
{
    private int _column, _dropped;

    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        // A carriage return (a progress line redrawn) starts the line again too.
        if (value is '\n' or '\r')
        {
            if (_dropped > 0) inner.Write($"... ({_column + _dropped} characters)");
            inner.Write(value);
            _column = _dropped = 0;
        }
        else if (_column < maxLine) { inner.Write(value); _column++; }
        else _dropped++;
    }

    public override void Write(string? value)
    {
        if (value == null) return;
        // Whole pieces of lines in one call each (a trace written to stderr stays fast); only an overlong line is cut.
        var rest = value.AsSpan();
        while (rest.Length > 0)
        {
            int end = rest.IndexOfAny('\n', '\r');
            var piece = end < 0 ? rest : rest[..end];
            int fits = Math.Clamp(maxLine - _column, 0, piece.Length);
            if (fits > 0) inner.Write(piece[..fits]);
            _column += fits;
            _dropped += piece.Length - fits;
            if (end < 0) break;
            Write(rest[end]);
            rest = rest[(end + 1)..];
        }
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void Flush() => inner.Flush();
}

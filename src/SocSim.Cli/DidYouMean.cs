namespace SocSim.Cli;

/// <summary>The nearest of a list of names to a mistyped one, for "did you mean ...?" hints.</summary>
internal static class DidYouMean
{
    /// <summary>
    /// The candidate with the smallest edit distance (insertions, deletions, substitutions and swaps of
    /// neighbours, case-insensitive) to <paramref name="given"/>, if it is within a third of the
    /// longer name's length (at least 1, at most 3); ties go to the first candidate.
    /// </summary>
    public static string? Nearest(string given, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(given.ToLowerInvariant(), c.ToLowerInvariant());
            int allowed = Math.Clamp(Math.Max(given.Length, c.Length) / 3, 1, 3);
            if (d <= allowed && d < bestDistance) { best = c; bestDistance = d; }
        }
        return best;
    }

    /// <summary>Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a substring).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}

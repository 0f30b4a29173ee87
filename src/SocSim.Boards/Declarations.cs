using System.Reflection;

namespace SocSim.Boards;

/// <summary>Finds the declarations models make of themselves (a device's or a core's static <c>Type</c>).</summary>
internal static class Declarations
{
    /// <summary>
    /// The static property <c>Type</c> of every class in <paramref name="assemblies"/> implementing
    /// <paramref name="model"/>, ordered by name; two declaring one name is an error naming both.
    /// </summary>
    public static List<T> Discover<T>(IEnumerable<Assembly> assemblies, Type model, Func<T, string> name, Func<T, Type> modelType, string kind)
    {
        var types = assemblies.Distinct().SelectMany(a => a.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && model.IsAssignableFrom(t))
            .Select(t => (T)t.GetProperty("Type", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .OrderBy(name, StringComparer.Ordinal)
            .ToList();
        var twice = types.GroupBy(name).FirstOrDefault(g => g.Count() > 1);
        if (twice != null)
            throw new InvalidOperationException($"{kind} type name '{twice.Key}' is declared by {string.Join(" and ", twice.Select(t => modelType(t).FullName))}");
        return types;
    }
}

using System.Reflection;

namespace EdgeGateway.Testing;

/// <summary>
/// Reads the <c>[LoggerMessage]</c> attributes of an assembly by reflection and checks them against the
/// assembly's event id registry: every id comes from the registry, no two log methods share one, and the
/// registry names no id twice.
/// </summary>
public static class LogEventIds
{
    private const string AttributeName = "Microsoft.Extensions.Logging.LoggerMessageAttribute";

    /// <summary>Every log method of <paramref name="assembly"/> with its event id (null when it has none).</summary>
    public static IReadOnlyList<(string Method, int? Id)> Declared(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        return [.. assembly.GetTypes()
            .SelectMany(type => type.GetMethods(all).Select(method => (type, method)))
            .SelectMany(m => m.method.CustomAttributes
                .Where(a => a.AttributeType.FullName == AttributeName)
                .Select(a => ($"{m.type.FullName}.{m.method.Name}", EventIdOf(a))))];
    }

    /// <summary>One line per problem; empty when the assembly's ids are all registered and unique.</summary>
    public static IReadOnlyList<string> Problems(Assembly assembly, Type registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var problems = new List<string>();
        var registered = registry.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .Select(f => (f.Name, Id: (int)f.GetRawConstantValue()!))
            .ToList();
        problems.AddRange(registered.GroupBy(r => r.Id).Where(g => g.Count() > 1)
            .Select(g => $"{registry.Name} gives id {g.Key} to {string.Join(" and ", g.Select(r => r.Name))}"));
        var ids = registered.Select(r => r.Id).ToHashSet();
        var declared = Declared(assembly);
        if (declared.Count == 0)
        {
            problems.Add($"{assembly.GetName().Name} has no [LoggerMessage] method; the check would prove nothing");
        }

        foreach (var (method, id) in declared)
        {
            if (id is null)
            {
                problems.Add($"{method} has no EventId");
            }
            else if (!ids.Contains(id.Value))
            {
                problems.Add($"{method} uses id {id} that {registry.Name} does not name");
            }
        }

        problems.AddRange(declared.Where(d => d.Id is not null).GroupBy(d => d.Id).Where(g => g.Count() > 1)
            .Select(g => $"id {g.Key} is used by {string.Join(" and ", g.Select(d => d.Method))}"));
        problems.AddRange(registered.Where(r => declared.All(d => d.Id != r.Id)).Select(r => $"{registry.Name}.{r.Name} ({r.Id}) is used by no log method"));
        return problems;
    }

    private static int? EventIdOf(CustomAttributeData attribute)
    {
        foreach (var named in attribute.NamedArguments)
        {
            if (named.MemberName == "EventId" && named.TypedValue.Value is int id)
            {
                return id;
            }
        }

        // The positional form: LoggerMessage(eventId, level, message).
        return attribute.ConstructorArguments.Count > 0 && attribute.ConstructorArguments[0].Value is int positional ? positional : null;
    }
}

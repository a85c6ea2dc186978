namespace CloudRelay.OperatorConsole;

/// <summary>What a console operator may do: a viewer reads, an operator also acts on cases, an admin may do everything.</summary>
public static class OperatorRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Viewer, Operator, Admin];

    /// <summary>True when the role may acknowledge, rectify and reopen cases.</summary>
    public static bool MayActOnCases(string role) => role is Operator or Admin;

    /// <summary>True when the role may add and remove operators in the console.</summary>
    public static bool MayManageOperators(string role) => role is Admin;

    /// <summary>True when the role may set and clear fleet configuration layers; every role reads them.</summary>
    public static bool MayEditFleet(string role) => role is Admin;
}

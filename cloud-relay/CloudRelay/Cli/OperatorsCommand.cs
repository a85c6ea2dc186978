using System.CommandLine;
using System.Text;
using System.Text.Json;
using CloudRelay.Hosting;
using CloudRelay.OperatorConsole;
using EdgeGateway.Configuration;
using EdgeGateway.Contracts.Passwords;

namespace CloudRelay.Cli;

/// <summary><c>cloud-relay operators add|list|remove</c>: the console's named accounts. Passwords never appear on a command line.</summary>
internal static class OperatorsCommand
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Command Create()
    {
        var command = new Command("operators", "Console operators: add, list, remove (roles viewer, operator, admin)");
        var dataDir = RelayCommands.DataDir();
        var db = new Option<string?>("--db") { Description = "sqlite (default) or postgres://user:password@host:port/database (Relay:Db)" };
        var config = RelayCommands.Config();
        var flags = new ConfigFlags().Map(dataDir, "Relay:DataDir").Map(db, "Relay:Db");

        var name = new Option<string>("--name") { Description = "The operator's login name", Required = true };
        var role = new Option<string>("--role") { Description = "viewer (reads), operator (also acts on cases) or admin", Required = true };
        // Never a flag's value: --password stays only to be refused in one line.
        var passwordFlag = new Option<string?>("--password") { Hidden = true };
        var passwordFile = new Option<string?>("--password-file") { Description = "A file (mode 600) holding the operator's password" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the operator's password as one line from stdin" };
        var add = new Command("add", "Add an operator; the password comes from --password-file, --password-stdin, or is asked twice on a terminal")
        {
            name, role, passwordFlag, passwordFile, passwordStdin, dataDir, db, config,
        };
        add.SetAction((parse, cancellationToken) => RelayCommands.WithService<Operators>(() => RelayCommands.Load(parse, config, flags), async operators =>
        {
            if (parse.GetValue(passwordFlag) is not null)
            {
                throw new ArgumentException(SecretInput.FlagRefused("--password", "--password-file", "--password-stdin"));
            }

            // Name and role first, so a typo costs no password prompt.
            if ((Api.ApiKeys.NameProblem(parse.GetValue(name)) ?? Operators.RoleProblem(parse.GetValue(role))) is { } problem)
            {
                throw new ArgumentException(problem);
            }

            var password = ReadPassword(parse.GetValue(passwordFile), parse.GetValue(passwordStdin));
            await operators.AddAsync(parse.GetValue(name)!, parse.GetValue(role)!, password, cancellationToken);
            Console.WriteLine(JsonSerializer.Serialize(new { Name = parse.GetValue(name), Role = parse.GetValue(role) }, Json));
            return 0;
        }));

        var list = new Command("list", "List operators (never their passwords), one JSON line each") { dataDir, db, config };
        list.SetAction((parse, cancellationToken) => RelayCommands.WithService<Operators>(() => RelayCommands.Load(parse, config, flags), async operators =>
        {
            foreach (var record in await operators.ListAsync(cancellationToken))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { record.Name, record.Role, record.Language, record.CreatedMs }, Json));
            }

            return 0;
        }));

        var removeName = new Option<string>("--name") { Description = "The operator to remove; their sessions end at once", Required = true };
        var remove = new Command("remove", "Remove an operator and end their sessions") { removeName, dataDir, db, config };
        remove.SetAction((parse, cancellationToken) => RelayCommands.WithService<Operators>(() => RelayCommands.Load(parse, config, flags), async operators =>
        {
            if (await operators.RemoveAsync(parse.GetValue(removeName)!, cancellationToken))
            {
                Console.WriteLine("removed");
                return 0;
            }

            await Console.Error.WriteLineAsync($"cloud-relay: no operator named '{parse.GetValue(removeName)}'");
            return 1;
        }));

        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        command.Subcommands.Add(remove);
        return command;
    }

    /// <summary>From the file or stdin when asked (stdin also when it is piped); on a terminal, asked twice without echo.</summary>
    private static string ReadPassword(string? file, bool fromStdin)
    {
        if (file is not null || fromStdin || Console.IsInputRedirected)
        {
            return SecretInput.Read(file, fromStdin || file is null, "--password-file", "--password-stdin", Console.In, out var problem)
                   ?? throw new ArgumentException(problem);
        }

        var first = Prompt("Password: ");
        var second = Prompt("Password again: ");
        return first == second ? first : throw new ArgumentException("the two passwords differ; expected the same password twice");
    }

    private static string Prompt(string label)
    {
        Console.Error.Write(label);
        var typed = new StringBuilder();
        while (Console.ReadKey(intercept: true) is var key && key.Key != ConsoleKey.Enter)
        {
            if (key.Key == ConsoleKey.Backspace)
            {
                typed.Length = Math.Max(0, typed.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        Console.Error.WriteLine();
        return typed.ToString();
    }
}

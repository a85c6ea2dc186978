using CloudRelay.Database;

namespace CloudRelay.OperatorConsole;

/// <summary>The admins' page: the operators, a form to add one, and a remove button for each other operator.</summary>
internal static partial class ConsolePages
{
    private static readonly string[] OperatorColumns = ["operators.name", "operators.role", "operators.created", "operators.actions"];

    public static string Operators(ConsoleText t, ConsoleUser user, IReadOnlyList<OperatorRecord> operators, string? error) =>
        Layout(t, user, t["operators.title"], page =>
        {
            page.Element("h1", t["operators.title"]);
            if (error is not null)
            {
                page.Element("p", error, ("id", "operators-error"), ("class", "error"), ("role", "alert"));
            }

            TableStart(page, t, "operators", OperatorColumns);
            foreach (var record in operators)
            {
                page.Open("tr", ("data-operator", record.Name)).Element("td", record.Name).Element("td", t[$"role.{record.Role}"])
                    .Raw("<td>").Time(record.CreatedMs).Raw("</td><td>");
                // No one removes themselves: the last admin cannot lock everyone out.
                if (record.Name != user.Name)
                {
                    page.Open("form", ("method", "post"), ("action", $"{Root}/operators/{Uri.EscapeDataString(record.Name)}/remove"));
                    Csrf(page, user.Csrf);
                    page.Element("button", t["operators.remove"], ("type", "submit"), ("class", "remove")).Raw("</form>");
                }

                page.Raw("</td></tr>");
            }

            page.Raw("</tbody></table>");
            page.Open("form", ("id", "add-operator"), ("method", "post"), ("action", $"{Root}/operators"), ("class", "card"));
            Csrf(page, user.Csrf);
            page.Element("h2", t["operators.add"])
                .Element("label", t["operators.name"], ("for", "new-name"))
                .Open("input", ("id", "new-name"), ("name", "name"), ("required", "required"), ("maxlength", "64"), ("autocomplete", "off"))
                .Element("label", t["operators.role"], ("for", "new-role")).Open("select", ("id", "new-role"), ("name", "role"));
            foreach (var role in OperatorRoles.All)
            {
                Option(page, role, t[$"role.{role}"], OperatorRoles.Viewer);
            }

            page.Raw("</select>")
                .Element("label", t["operators.password"], ("for", "new-password"))
                .Open("input", ("id", "new-password"), ("name", "password"), ("type", "password"), ("required", "required"), ("minlength", "8"), ("autocomplete", "new-password"))
                .Element("button", t["operators.add"], ("id", "add-operator-button"), ("type", "submit")).Raw("</form>");
        }, user.Csrf);
}

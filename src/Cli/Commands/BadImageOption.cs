using System.CommandLine;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>--on-bad-image skip|fail</c> of <c>train</c>, <c>evaluate</c>, <c>calibrate</c> and <c>align</c>: the option
/// and its reading into the library's <see cref="BadImagePolicy"/>. Applying the policy is the library's job;
/// showing what it did is <see cref="Output.FaceDataConsole"/>'s.
/// </summary>
internal static class BadImageOption
{
    private const string Fail = "fail";
    private const string Skip = "skip";

    public static Option<string> Create()
    {
        var option = new Option<string>("--on-bad-image")
        {
            Description = "What to do with corrupt, empty, non-image, unsupported, tiny or cross-identity duplicate images and empty identity folders: "
                + "fail (stop, naming the first) or skip (leave them out and list them).",
            DefaultValueFactory = _ => Fail,
        };
        option.AcceptOnlyFromAmong(Fail, Skip);
        return option;
    }

    /// <summary>The policy the option asks for.</summary>
    public static BadImagePolicy ReadPolicy(ParseResult parse, Option<string> option) =>
        parse.GetValue(option) == Skip ? BadImagePolicy.Skip : BadImagePolicy.Fail;

    /// <summary>The library's load options with the policy the option asks for (its other defaults kept).</summary>
    public static FaceFolderLoadOptions Read(ParseResult parse, Option<string> option) =>
        new() { OnBadImage = ReadPolicy(parse, option) };
}

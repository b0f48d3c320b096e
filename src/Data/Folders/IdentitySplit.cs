
namespace KappaFace.MLNet.Data;

/// <summary>
/// The one rule that picks held-out identities, shared by in-memory sets (<see cref="FaceImageSet.SplitByIdentity"/>)
/// and scanned folders (<see cref="ImageFolderScan.SplitByIdentity"/>), so a streamed and a loaded run of the
/// same folder and seed hold out the same people.
/// </summary>
internal static class IdentitySplit
{
    // Verification needs different-identity pairs and training needs more than one class.
    private const int MinimumTrainClasses = 2;

    /// <summary>
    /// Marks round(<paramref name="validationFraction"/> x <paramref name="classCount"/>) classes, at least 2 when
    /// the fraction is above zero, chosen by a seeded shuffle.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">Too few identities: each part needs at least 2.</exception>
    public static bool[] ChooseValidation(int classCount, double validationFraction, int seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        }

        int validationClasses = validationFraction == 0
            ? 0
            : Math.Max(2, (int)Math.Round(validationFraction * classCount, MidpointRounding.AwayFromZero));
        if (classCount - validationClasses < MinimumTrainClasses)
        {
            throw new ArgumentException(
                $"A validation fraction of {validationFraction} takes {validationClasses} of {classCount} identities, leaving fewer than "
                + $"{MinimumTrainClasses} for training; the set needs at least {validationClasses + MinimumTrainClasses} identities.",
                nameof(validationFraction));
        }

        int[] classOrder = Enumerable.Range(0, classCount).ToArray();
        new DeterministicRandom(seed).Shuffle(classOrder.AsSpan());
        var isValidation = new bool[classCount];
        foreach (int c in classOrder.AsSpan(0, validationClasses))
        {
            isValidation[c] = true;
        }

        return isValidation;
    }
}

namespace KappaFace.MLNet.Data;

/// <summary>Two images to verify, by index, and whether they show the same identity.</summary>
/// <param name="IndexA">The first image (the smaller index for generated pairs).</param>
/// <param name="IndexB">The second image.</param>
/// <param name="Same">True when both images show the same identity.</param>
public readonly record struct FacePair(int IndexA, int IndexB, bool Same);

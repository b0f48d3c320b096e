namespace KappaFace.MLNet.Trainer.Heads;

/// <summary>Which margin-based softmax loss the class-centre head trains with.</summary>
public enum MarginLossKind
{
    /// <summary>
    /// KappaFace: an additive angular margin per class, <c>m_c = m0 * psi_c</c>, where <c>psi_c</c> grows for
    /// classes that are rare or spread out (low von Mises-Fisher concentration). Default.
    /// </summary>
    KappaFace,

    /// <summary>ArcFace: one additive angular margin for every class, <c>cos(theta_y + m)</c>.</summary>
    ArcFace,

    /// <summary>CosFace: one additive cosine margin for every class, <c>cos(theta_y) - m</c>.</summary>
    CosFace,
}

namespace KappaFace.MLNet.Trainer;

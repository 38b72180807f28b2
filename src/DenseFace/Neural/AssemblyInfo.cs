using System.Runtime.CompilerServices;

// The training assembly differentiates the layers defined here (internal types) and reuses the internal kernels.
// The layers carry no training state: what a backward pass needs is recorded on the training side's tape.
[assembly: InternalsVisibleTo("DenseFace.Training")]

using System.Runtime.CompilerServices;

// The training assembly implements the backward passes of the layers defined here and reads their cached
// forward state (inputs, batch statistics, argmax indices), which is internal to the inference library.
[assembly: InternalsVisibleTo("DenseFace.Training")]

using System;
using System.Linq;
using System.Runtime.InteropServices;
using NetGen.Optimizers;

namespace NetGen.Runtime.Tests.Optimizers
{
    /// <summary>
    /// Keeping the previous state (the trainer's rollback) changes no result, and StepBack gives back the state from
    /// before the last step bit for bit.
    /// </summary>
    public class StepBackTests
    {
        private static Optimizer<float> Create(string name) => name switch
        {
            "sgd" => new Sgd<float>(learningRate: 0.1),
            "momentum" => new Sgd<float>(learningRate: 0.1, momentum: 0.9, nesterov: true),
            "rmsprop" => new RMSProp<float>(learningRate: 0.01),
            "adagrad" => new AdaGrad<float>(learningRate: 0.1),
            "adamw" => new AdamW<float>(learningRate: 0.01),
            _ => new Adam<float>(learningRate: 0.01),
        };

        private static byte[][] State(Optimizer<float> optimizer) =>
            Enumerable.Range(0, optimizer.StateBufferCount).Select(i => MemoryMarshal.AsBytes(optimizer.StateBuffer(i)).ToArray()).ToArray();

        private static float[] Gradient(int step, int length) =>
            Enumerable.Range(0, length).Select(i => MathF.Sin((step * 31) + (i * 7)) * (1 + (i % 3))).ToArray();

        [Theory]
        [InlineData("sgd")]
        [InlineData("momentum")]
        [InlineData("rmsprop")]
        [InlineData("adagrad")]
        [InlineData("adam")]
        [InlineData("adamw")]
        public void KeepingThePreviousState_ChangesNoBit_AndStepBackRestoresIt(string name)
        {
            const int Length = 37; // not a multiple of any vector width: scalar tail included
            Optimizer<float> plain = Create(name), keeping = Create(name);
            Assert.True(keeping.KeepPreviousState());
            var a = new float[Length];
            var b = new float[Length];
            for (int step = 1; step <= 6; step++)
            {
                float[] g = Gradient(step, Length);
                byte[][] before = State(keeping);
                float[] parametersBefore = b.ToArray();
                long count = keeping.StepCount;
                plain.Step(a, g);
                keeping.Step(b, g);
                Assert.Equal(a, b);
                Assert.Equal(State(plain), State(keeping));

                if (step == 4)
                {
                    // Undo step 4's state (the caller restores the parameters), then take it again: same bits.
                    keeping.StepBack();
                    Assert.Equal(count, keeping.StepCount);
                    Assert.Equal(before, State(keeping));
                    Assert.Throws<InvalidOperationException>(() => keeping.StepBack());
                    parametersBefore.CopyTo(b, 0);
                    keeping.Step(b, g);
                    Assert.Equal(a, b);
                    Assert.Equal(State(plain), State(keeping));
                }
            }
        }

        [Fact]
        public void StepBack_WithoutKeepingThePreviousState_IsRefused()
        {
            var adam = new Adam<float>(learningRate: 0.01);
            adam.Step(new float[3], new float[] { 1, 2, 3 });
            Assert.False(adam.CanStepBack);
            Assert.Throws<InvalidOperationException>(() => adam.StepBack());
        }
    }
}

namespace NetGen.Benchmarks;

/// <summary>
/// The Fashion-MNIST MLP of samples/FashionMnist written by hand as a C# developer would without a library: float
/// arrays and straightforward loops, the same math as the generated network (784-256-128-10, BatchNorm in training
/// mode, ReLU, inverted dropout 0.2, softmax cross-entropy; one training step computes the loss and every gradient).
/// It is the baseline of <see cref="MlpBenchmarks"/>.
/// </summary>
public sealed class HandWrittenMlp
{
    private const int In = 784, H1 = 256, H2 = 128, Out = 10;
    private const float Rate = 0.2f, Epsilon = 1e-5f, Momentum = 0.9f;

    private readonly Random _random = new(42);
    private readonly int _batch;

    // Parameters and their gradients.
    private readonly float[] _w1 = new float[H1 * In], _b1 = new float[H1], _g2 = new float[H1], _be2 = new float[H1];
    private readonly float[] _w5 = new float[H2 * H1], _b5 = new float[H2], _g6 = new float[H2], _be6 = new float[H2];
    private readonly float[] _w9 = new float[Out * H2], _b9 = new float[Out];
    private readonly float[] _dw1, _db1, _dg2, _dbe2, _dw5, _db5, _dg6, _dbe6, _dw9, _db9;
    private readonly float[] _rm2 = new float[H1], _rv2 = new float[H1], _rm6 = new float[H2], _rv6 = new float[H2];

    // Activations, kept for the backward pass.
    private readonly float[] _z1, _xh2, _is2, _a3, _m4, _a4, _z5, _xh6, _is6, _a7, _m8, _a8, _z9, _p;
    private readonly float[] _d9, _d8, _d5, _d4, _d1;

    public HandWrittenMlp(int batch)
    {
        _batch = batch;
        Init(_w1, In);
        Init(_w5, H1);
        Init(_w9, H2);
        Array.Fill(_g2, 1f);
        Array.Fill(_g6, 1f);
        Array.Fill(_rv2, 1f);
        Array.Fill(_rv6, 1f);
        _dw1 = new float[_w1.Length]; _db1 = new float[H1]; _dg2 = new float[H1]; _dbe2 = new float[H1];
        _dw5 = new float[_w5.Length]; _db5 = new float[H2]; _dg6 = new float[H2]; _dbe6 = new float[H2];
        _dw9 = new float[_w9.Length]; _db9 = new float[Out];
        _z1 = new float[batch * H1]; _xh2 = new float[batch * H1]; _is2 = new float[H1]; _a3 = new float[batch * H1];
        _m4 = new float[batch * H1]; _a4 = new float[batch * H1];
        _z5 = new float[batch * H2]; _xh6 = new float[batch * H2]; _is6 = new float[H2]; _a7 = new float[batch * H2];
        _m8 = new float[batch * H2]; _a8 = new float[batch * H2];
        _z9 = new float[batch * Out]; _p = new float[batch * Out];
        _d9 = new float[batch * Out]; _d8 = new float[batch * H2]; _d5 = new float[batch * H2];
        _d4 = new float[batch * H1]; _d1 = new float[batch * H1];
    }

    /// <summary>Forward in training mode, loss, backward: returns the mean loss and leaves every gradient set.</summary>
    public float TrainStep(float[] x, int[] labels)
    {
        int n = _batch;

        // Forward.
        Dense(x, _w1, _b1, _z1, n, In, H1);
        BatchNorm(_z1, _g2, _be2, _rm2, _rv2, _xh2, _is2, _a3, n, H1);
        Relu(_a3);
        Dropout(_a3, _m4, _a4);
        Dense(_a4, _w5, _b5, _z5, n, H1, H2);
        BatchNorm(_z5, _g6, _be6, _rm6, _rv6, _xh6, _is6, _a7, n, H2);
        Relu(_a7);
        Dropout(_a7, _m8, _a8);
        Dense(_a8, _w9, _b9, _z9, n, H2, Out);

        // Softmax cross-entropy, and its gradient (p − t)/B.
        double loss = 0;
        for (int s = 0; s < n; s++)
        {
            float max = float.NegativeInfinity;
            for (int j = 0; j < Out; j++)
            {
                max = Math.Max(max, _z9[s * Out + j]);
            }

            float sum = 0;
            for (int j = 0; j < Out; j++)
            {
                _p[s * Out + j] = MathF.Exp(_z9[s * Out + j] - max);
                sum += _p[s * Out + j];
            }

            for (int j = 0; j < Out; j++)
            {
                _p[s * Out + j] /= sum;
                _d9[s * Out + j] = (_p[s * Out + j] - (j == labels[s] ? 1f : 0f)) / n;
            }

            loss -= Math.Log(_p[s * Out + labels[s]]);
        }

        // Backward.
        DenseBackward(_a8, _w9, _d9, _dw9, _db9, _d8, n, H2, Out);
        DropoutBackward(_m8, _d8);
        ReluBackward(_a7, _d8);
        BatchNormBackward(_xh6, _is6, _g6, _d8, _dg6, _dbe6, _d5, n, H2);
        DenseBackward(_a4, _w5, _d5, _dw5, _db5, _d4, n, H1, H2);
        DropoutBackward(_m4, _d4);
        ReluBackward(_a3, _d4);
        BatchNormBackward(_xh2, _is2, _g2, _d4, _dg2, _dbe2, _d1, n, H1);
        DenseBackward(x, _w1, _d1, _dw1, _db1, null, n, In, H1);
        return (float)(loss / n);
    }

    private void Init(float[] w, int fanIn)
    {
        float scale = MathF.Sqrt(2f / fanIn);
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = ((float)_random.NextDouble() * 2 - 1) * scale;
        }
    }

    // y[s,o] = Σ_i x[s,i] w[o,i] + b[o]
    private static void Dense(float[] x, float[] w, float[] b, float[] y, int n, int inputs, int outputs)
    {
        for (int s = 0; s < n; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                float sum = b[o];
                for (int i = 0; i < inputs; i++)
                {
                    sum += x[s * inputs + i] * w[o * inputs + i];
                }

                y[s * outputs + o] = sum;
            }
        }
    }

    // dw = dyᵀ x, db = Σ dy, dx = dy w (all overwritten: a step starts from zero gradients)
    private static void DenseBackward(float[] x, float[] w, float[] dy, float[] dw, float[] db, float[]? dx, int n, int inputs, int outputs)
    {
        Array.Clear(dw);
        Array.Clear(db);
        for (int s = 0; s < n; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                float g = dy[s * outputs + o];
                db[o] += g;
                for (int i = 0; i < inputs; i++)
                {
                    dw[o * inputs + i] += g * x[s * inputs + i];
                }
            }
        }

        if (dx is null)
        {
            return;
        }

        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < inputs; i++)
            {
                float sum = 0;
                for (int o = 0; o < outputs; o++)
                {
                    sum += dy[s * outputs + o] * w[o * inputs + i];
                }

                dx[s * inputs + i] = sum;
            }
        }
    }

    private static void BatchNorm(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVariance, float[] xHat, float[] inverseStd, float[] y, int n, int features)
    {
        for (int f = 0; f < features; f++)
        {
            float mean = 0;
            for (int s = 0; s < n; s++)
            {
                mean += x[s * features + f];
            }

            mean /= n;
            float variance = 0;
            for (int s = 0; s < n; s++)
            {
                float d = x[s * features + f] - mean;
                variance += d * d;
            }

            variance /= n;
            float invStd = 1f / MathF.Sqrt(variance + Epsilon);
            inverseStd[f] = invStd;
            for (int s = 0; s < n; s++)
            {
                float h = (x[s * features + f] - mean) * invStd;
                xHat[s * features + f] = h;
                y[s * features + f] = gamma[f] * h + beta[f];
            }

            runningMean[f] = Momentum * runningMean[f] + (1 - Momentum) * mean;
            runningVariance[f] = Momentum * runningVariance[f] + (1 - Momentum) * variance;
        }
    }

    private static void BatchNormBackward(float[] xHat, float[] inverseStd, float[] gamma, float[] dy, float[] dgamma, float[] dbeta, float[] dx, int n, int features)
    {
        for (int f = 0; f < features; f++)
        {
            float sumDy = 0, sumDyXHat = 0;
            for (int s = 0; s < n; s++)
            {
                sumDy += dy[s * features + f];
                sumDyXHat += dy[s * features + f] * xHat[s * features + f];
            }

            dgamma[f] = sumDyXHat;
            dbeta[f] = sumDy;
            float scale = gamma[f] * inverseStd[f] / n;
            for (int s = 0; s < n; s++)
            {
                dx[s * features + f] = scale * (n * dy[s * features + f] - sumDy - xHat[s * features + f] * sumDyXHat);
            }
        }
    }

    private static void Relu(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Math.Max(values[i], 0f);
        }
    }

    // The gradient flows where the ReLU's output is positive.
    private static void ReluBackward(float[] output, float[] gradient)
    {
        for (int i = 0; i < gradient.Length; i++)
        {
            if (output[i] <= 0)
            {
                gradient[i] = 0;
            }
        }
    }

    private void Dropout(float[] x, float[] mask, float[] y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            mask[i] = _random.NextDouble() < Rate ? 0f : 1f / (1f - Rate);
            y[i] = x[i] * mask[i];
        }
    }

    private static void DropoutBackward(float[] mask, float[] gradient)
    {
        for (int i = 0; i < gradient.Length; i++)
        {
            gradient[i] *= mask[i];
        }
    }
}

"""Candidate samplers (tf.random.*_candidate_sampler, tf.nn aliases) and tf.nn.nce_loss /
sampled_softmax_loss: TF's expected counts, shapes, dtypes, errors; losses and gradients checked in TF 2.21."""

from __future__ import annotations

import numpy as np
import pytest

import tapejax as tf

TC = tf.constant([[2, 3]], tf.int64)
SAMPLERS = [
    lambda *a, **k: tf.random.uniform_candidate_sampler(*a, **k),
    lambda *a, **k: tf.random.log_uniform_candidate_sampler(*a, **k),
    lambda *a, **k: tf.random.learned_unigram_candidate_sampler(*a, **k),
    lambda *a, **k: tf.random.fixed_unigram_candidate_sampler(*a, unigrams=np.arange(1.0, 11.0), **k),
]


def test_shapes_dtypes_and_range():
    for sampler, unique in zip(SAMPLERS, [False, True, True, False], strict=True):
        s, t, e = sampler(TC, 2, 5, unique, 10, seed=3)
        assert (s.dtype, t.dtype, e.dtype) == (tf.int64, tf.float32, tf.float32)
        assert (s.shape, t.shape, e.shape) == ((5,), (1, 2), (5,))
        assert s.numpy().min() >= 0 and s.numpy().max() < 10
        if unique:
            assert len(set(s.numpy().tolist())) == 5


def test_seeded_draws_repeat_after_set_seed():
    tf.random.set_seed(5)
    a = [tf.random.uniform_candidate_sampler(TC, 2, 6, True, 50, seed=1)[0].numpy() for _ in range(2)]
    tf.random.set_seed(5)
    b = [tf.random.uniform_candidate_sampler(TC, 2, 6, True, 50, seed=1)[0].numpy() for _ in range(2)]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a[0], a[1])  # a seeded op gives a new draw per call, as TF


def test_expected_counts_without_unique_are_p_times_num_sampled():
    # Values from TF 2.21.
    _, t, e = tf.random.uniform_candidate_sampler(TC, 2, 5, False, 10, seed=3)
    np.testing.assert_allclose(t.numpy(), [[0.5, 0.5]])
    np.testing.assert_allclose(e.numpy(), [0.5] * 5)
    _, t, _ = tf.random.log_uniform_candidate_sampler(tf.constant([[0, 9]], tf.int64), 2, 4, False, 10)
    np.testing.assert_allclose(t.numpy(), [[1.156259298324585, 0.15898972749710083]], rtol=1e-6)
    fixed = tf.random.fixed_unigram_candidate_sampler
    _, t, _ = fixed(
        tf.constant([[2], [4]], tf.int64), 1, 3, False, 6, unigrams=[1.0, 2, 3, 4], num_reserved_ids=2, distortion=0.5
    )
    np.testing.assert_allclose(t.numpy(), [[0.4881013333797455], [0.8454163074493408]], rtol=1e-6)
    _, t, _ = fixed(
        tf.constant([[0], [2]], tf.int64), 1, 3, False, 3, unigrams=[1.0, 2, 3, 4, 5, 6], num_shards=2, shard=1
    )
    np.testing.assert_allclose(t.numpy(), [[0.5], [1.5]])
    _, t, _ = fixed(
        tf.constant([[0], [2]], tf.int64),
        1,
        3,
        False,
        4,
        unigrams=[1.0, 2, 3, 4, 5, 6],
        num_shards=2,
        shard=1,
        num_reserved_ids=3,
    )
    np.testing.assert_allclose(t.numpy(), [[0.0], [1.0]])


def test_unique_expected_counts_match_tf_on_average():
    # TF 2.21, 1000 draws: mean true_expected_count [0.6314, 0.5290] (the -expm1(num_tries * log1p(-p)) rule).
    f = tf.function(lambda: tf.random.log_uniform_candidate_sampler(TC, 2, 5, True, 10)[1])
    mean = np.mean([f().numpy()[0] for _ in range(400)], axis=0)
    np.testing.assert_allclose(mean, [0.6314, 0.5290], atol=0.03)


def test_learned_unigram_learns_from_true_classes_across_calls():
    t = tf.constant([[0]], tf.int64)
    got = [tf.random.learned_unigram_candidate_sampler(t, 1, 4, False, 2, seed=11)[1].numpy()[0, 0] for _ in range(3)]
    np.testing.assert_allclose(got, [2.0, 2.6666667, 3.0], rtol=1e-6)  # TF 2.21


def test_nn_aliases_are_the_same_functions():
    assert tf.nn.fixed_unigram_candidate_sampler is tf.random.fixed_unigram_candidate_sampler
    assert tf.nn.learned_unigram_candidate_sampler is tf.random.learned_unigram_candidate_sampler
    assert tf.random.all_candidate_sampler is tf.nn.all_candidate_sampler


def test_errors_as_tf():
    with pytest.raises(tf.errors.InvalidArgumentError, match="Sampler's range is too small"):
        tf.random.uniform_candidate_sampler(TC, 2, 11, True, 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected to be a int64 tensor but is a int32"):
        tf.random.uniform_candidate_sampler(tf.constant([[2, 3]]), 2, 1, True, 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="num_true columns, expected: 2 was: 1"):
        tf.random.uniform_candidate_sampler(TC, 1, 1, True, 10)
    with pytest.raises(tf.errors.InvalidArgumentError, match="range is 7 must be equal to weights size  6"):
        tf.random.fixed_unigram_candidate_sampler(TC, 2, 1, True, 7, unigrams=[1.0] * 4, num_reserved_ids=2)


TF_LOSSES = {
    "nce_loss_False": [
        [4.4857401847839355, 10.108440399169922],
        [
            [-0.1348000019788742, -0.06694000214338303, 0.03220000118017197],
            [0.28843000531196594, 0.030009999871253967, -0.23736000061035156],
            [0.15806999802589417, 0.07850000262260437, -0.03776000067591667],
            [-0.2311200052499771, -0.3774999976158142, -0.3356899917125702],
            [-0.5351200103759766, -0.39886000752449036, -0.07022999972105026],
            [-0.24377000331878662, -0.33208000659942627, -0.255730003118515],
        ],
        [
            0.14624999463558197,
            0.319240003824234,
            -0.17148999869823456,
            1.7176799774169922,
            1.3238500356674194,
            1.4427299499511719,
        ],
        [
            [-2.212369918823242, -1.038699984550476, -0.5098199844360352],
            [-4.267419815063477, -1.4594999551773071, -1.1951500177383423],
        ],
    ],
    "nce_loss_True": [
        [3.910059928894043, 10.108440399169922],
        [
            [-0.1348000019788742, -0.06694000214338303, 0.03220000118017197],
            [0.28843000531196594, 0.030009999871253967, -0.23736000061035156],
            [0.15806999802589417, 0.07850000262260437, -0.03776000067591667],
            [-0.2311200052499771, -0.3774999976158142, -0.3356899917125702],
            [-0.9305499792098999, -0.4400100111961365, 0.25519001483917236],
            [-0.24377000331878662, -0.33208000659942627, -0.255730003118515],
        ],
        [
            0.14624999463558197,
            0.319240003824234,
            -0.17148999869823456,
            1.7176799774169922,
            0.8861700296401978,
            1.4427299499511719,
        ],
        [
            [-1.1947599649429321, -0.9429399967193604, 0.0354899987578392],
            [-4.267419815063477, -1.4594999551773071, -1.1951500177383423],
        ],
    ],
    "sampled_softmax_loss_False": [
        [1.7130600214004517, 4.283629894256592],
        [
            [0.43630000948905945, 0.21665999293327332, -0.10423000156879425],
            [-0.05861999839544296, -0.006099999882280827, 0.048239998519420624],
            [0.45427998900413513, 0.225600004196167, -0.10852999985218048],
            [-0.3202100098133087, -0.2563199996948242, -0.06829000264406204],
            [-0.564329981803894, -0.15591999888420105, 0.3197900056838989],
            [0.05257999897003174, -0.023910000920295715, -0.08698999881744385],
        ],
        [
            -0.47334998846054077,
            -0.06488999724388123,
            -0.49285998940467834,
            0.8907399773597717,
            -0.08190999925136566,
            0.2222599983215332,
        ],
        [
            [0.35774001479148865, -0.1363299936056137, 0.38001999258995056],
            [-2.1662299633026123, -0.8913800120353699, -0.2912200093269348],
        ],
    ],
    "sampled_softmax_loss_True": [
        [1.635390043258667, 4.283629894256592],
        [
            [0.43630000948905945, 0.21665999293327332, -0.10423000156879425],
            [-0.02687999978661537, -0.00279999990016222, 0.022120000794529915],
            [0.45427998900413513, 0.225600004196167, -0.10852999985218048],
            [-0.3001900017261505, -0.2542400062084198, -0.08476000279188156],
            [-0.6263899803161621, -0.16237999498844147, 0.3708600103855133],
            [0.06287000328302383, -0.022840000689029694, -0.09545999765396118],
        ],
        [
            -0.47334998846054077,
            -0.029750000685453415,
            -0.49285998940467834,
            0.9128999710083008,
            -0.15060000121593475,
            0.2336599975824356,
        ],
        [
            [0.48475000262260437, -0.1601399928331375, 0.47562000155448914],
            [-2.1662299633026123, -0.8913800120353699, -0.2912200093269348],
        ],
    ],
}

RNG = np.random.default_rng(0)
W0 = RNG.standard_normal((6, 3)).astype(np.float32)
B0 = RNG.standard_normal(6).astype(np.float32)
X0 = RNG.standard_normal((2, 3)).astype(np.float32)


@pytest.mark.parametrize("key", sorted(TF_LOSSES))
def test_sampled_losses_and_gradients_match_tf(key):
    w, b, x = tf.Variable(W0), tf.Variable(B0), tf.Variable(X0)
    labels = tf.constant([[1, 4], [0, 2]], tf.int64)
    sv = (tf.constant([4, 5, 3], tf.int64), tf.constant([[0.5, 0.2], [0.9, 0.3]]), tf.constant([0.2, 0.6, 0.4]))
    fn = tf.nn.nce_loss if key.startswith("nce") else tf.nn.sampled_softmax_loss
    with tf.GradientTape() as tape:
        loss = fn(w, b, labels, x, 3, 6, num_true=2, sampled_values=sv, remove_accidental_hits=key.endswith("True"))
    grads = tape.gradient(loss, [w, b, x])
    assert loss.shape == (2,) and loss.dtype == tf.float32
    want = TF_LOSSES[key]
    np.testing.assert_allclose(loss.numpy(), want[0], rtol=1e-4, atol=1e-5)
    for g, wg in zip(grads, want[1:], strict=True):
        np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), wg, rtol=1e-4, atol=1e-4)


def test_default_sampler_inside_function():
    w, b, x = tf.Variable(W0), tf.Variable(B0), tf.Variable(X0)

    @tf.function
    def step(labels):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.nn.nce_loss(w, b, labels, x, 3, 6))
        return loss, tape.gradient(loss, x)

    loss, g = step(tf.constant([[1], [4]], tf.int64))
    assert np.isfinite(loss.numpy()) and g.shape == (2, 3)

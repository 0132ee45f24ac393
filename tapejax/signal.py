"""``tf.signal``: FFTs, spectral shifts, framing, windows and the short-time Fourier transform."""

from typing import Any as _Any

from tapejax._src.errors import missing_attribute as _missing_attribute
from tapejax._src.ops.signal_fftnd_ops import fftnd as fftnd
from tapejax._src.ops.signal_fftnd_ops import ifftnd as ifftnd
from tapejax._src.ops.signal_fftnd_ops import irfftnd as irfftnd
from tapejax._src.ops.signal_fftnd_ops import rfftnd as rfftnd
from tapejax._src.ops.signal_ops import fft as fft
from tapejax._src.ops.signal_ops import fft2d as fft2d
from tapejax._src.ops.signal_ops import fft3d as fft3d
from tapejax._src.ops.signal_ops import fftshift as fftshift
from tapejax._src.ops.signal_ops import frame as frame
from tapejax._src.ops.signal_ops import hamming_window as hamming_window
from tapejax._src.ops.signal_ops import hann_window as hann_window
from tapejax._src.ops.signal_ops import ifft as ifft
from tapejax._src.ops.signal_ops import ifft2d as ifft2d
from tapejax._src.ops.signal_ops import ifft3d as ifft3d
from tapejax._src.ops.signal_ops import ifftshift as ifftshift
from tapejax._src.ops.signal_ops import inverse_stft as inverse_stft
from tapejax._src.ops.signal_ops import inverse_stft_window_fn as inverse_stft_window_fn
from tapejax._src.ops.signal_ops import irfft as irfft
from tapejax._src.ops.signal_ops import irfft2d as irfft2d
from tapejax._src.ops.signal_ops import irfft3d as irfft3d
from tapejax._src.ops.signal_ops import kaiser_bessel_derived_window as kaiser_bessel_derived_window
from tapejax._src.ops.signal_ops import kaiser_window as kaiser_window
from tapejax._src.ops.signal_ops import overlap_and_add as overlap_and_add
from tapejax._src.ops.signal_ops import rfft as rfft
from tapejax._src.ops.signal_ops import rfft2d as rfft2d
from tapejax._src.ops.signal_ops import rfft3d as rfft3d
from tapejax._src.ops.signal_ops import stft as stft
from tapejax._src.ops.signal_ops import vorbis_window as vorbis_window
from tapejax._src.ops.signal_spectral_ops import dct as dct
from tapejax._src.ops.signal_spectral_ops import idct as idct
from tapejax._src.ops.signal_spectral_ops import inverse_mdct as inverse_mdct
from tapejax._src.ops.signal_spectral_ops import linear_to_mel_weight_matrix as linear_to_mel_weight_matrix
from tapejax._src.ops.signal_spectral_ops import mdct as mdct
from tapejax._src.ops.signal_spectral_ops import mfccs_from_log_mel_spectrograms as mfccs_from_log_mel_spectrograms


def __getattr__(name: str) -> _Any:
    raise _missing_attribute("tapejax.signal", name)

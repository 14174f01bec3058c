"Package metadata comes from settings.ini (nbdev 2 layout); this file only translates it for setuptools."
from configparser import ConfigParser
from pathlib import Path
import setuptools

cfg = ConfigParser(delimiters=['='])
cfg.read(Path(__file__).parent / 'settings.ini')
cfg = cfg['DEFAULT']
for key in 'lib_name version description author author_email license min_python'.split():
    assert key in cfg, f'settings.ini lacks `{key}`'

licenses = {'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License')}
lic = licenses[cfg['license']]
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
min_py = cfg['min_python']
py_versions = [v for v in '3.10 3.11 3.12 3.13'.split() if tuple(map(int, v.split('.'))) >= tuple(map(int, min_py.split('.')))]

def reqs(key): return cfg.get(key, '').split()

readme = Path(__file__).parent / 'README.md'
setuptools.setup(
    name=cfg['lib_name'], version=cfg['version'], description=cfg['description'],
    long_description=readme.read_text() if readme.exists() else '', long_description_content_type='text/markdown',
    author=cfg['author'], author_email=cfg['author_email'], license=lic[0], url=cfg['git_url'],
    keywords=cfg.get('keywords', '').split(),
    classifiers=[f'Development Status :: {statuses[int(cfg["status"]) - 1]}', f'Intended Audience :: {cfg["audience"]}',
                 f'License :: {lic[1]}', f'Natural Language :: {cfg["language"]}'] +
                [f'Programming Language :: Python :: {v}' for v in py_versions],
    packages=setuptools.find_packages(include=[cfg['lib_name'], cfg['lib_name'] + '.*']),
    include_package_data=True, package_data={cfg['lib_name']: ['assets/*', 'assets/**/*']},
    python_requires=f'>={min_py}', install_requires=reqs('requirements'),
    extras_require={'dev': reqs('dev_requirements')},
    entry_points={'console_scripts': reqs('console_scripts'), 'nbdev': [f'{cfg["lib_name"]}={cfg["lib_name"]}._modidx:d']},
    zip_safe=False)

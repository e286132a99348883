; Inno Setup script: a per-user installer for the Windows bundle (dist\fieldapp\ from `python dev.py bundle`).
; Built by .github/workflows/bundle.yml with `iscc /DVersion=<version> packaging\windows\fieldapp.iss`;
; not built or tried on the project's Linux CI. Sign the installer and the programs before a release
; (docs/packaging.md): unsigned installers are stopped by SmartScreen.

#ifndef Version
  #define Version "0.0.0"
#endif

[Setup]
AppName=fieldapp
AppVersion={#Version}
AppPublisher=fieldapp
DefaultDirName={autopf}\fieldapp
DefaultGroupName=fieldapp
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
OutputDir=..\..\dist
OutputBaseFilename=fieldapp-{#Version}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
LicenseFile=..\..\LICENSE
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\fieldapp-window.exe

[Files]
Source: "..\..\dist\fieldapp\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\fieldapp"; Filename: "{app}\fieldapp-window.exe"
Name: "{group}\fieldapp demo (synthetic data)"; Filename: "{app}\fieldapp-window.exe"; Parameters: "demo"

[UninstallDelete]
; The vault lives in the user's data folder and is never removed by the uninstaller.
Type: filesandordirs; Name: "{app}\_internal"
